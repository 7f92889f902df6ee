// The service catalog, as tokens and /v3/auth/catalog carry it.
import type { IdentityDb } from './identity-db.ts';

export interface CatalogEntry {
  id: string;
  type: string;
  name: string;
  endpoints: Array<{ id: string; interface: string; region_id: string | null; region: string | null; url: string }>;
}

export async function buildCatalog(db: IdentityDb, projectId?: string): Promise<CatalogEntry[]> {
  const services = (await db.services.find({ enabled: true })).sort((a, b) => a.type.localeCompare(b.type));
  const endpoints = await db.endpoints.find({ enabled: true });
  return services.map((service) => ({
    id: service.id,
    type: service.type,
    name: service.name,
    endpoints: endpoints
      .filter((e) => e.service_id === service.id)
      .map((e) => ({
        id: e.id,
        interface: e.interface,
        region_id: e.region_id,
        region: e.region_id,
        // Keystone substitutes these in endpoint URLs for project-scoped tokens.
        url: projectId ? e.url.replaceAll('$(project_id)s', projectId).replaceAll('$(tenant_id)s', projectId) : e.url,
      })),
  }));
}
