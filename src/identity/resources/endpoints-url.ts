// Endpoint URLs may carry Keystone's substitutions, e.g. `$(project_id)s`; any
// other key would break every catalog that contains the endpoint, so it is refused.
import { badRequest } from '../../platform/http/api-error.ts';

const SUBSTITUTIONS = new Set([
  'tenant_id',
  'project_id',
  'user_id',
  'public_bind_host',
  'admin_bind_host',
  'compute_host',
  'compute_port',
  'admin_port',
  'public_port',
  'public_endpoint',
  'admin_endpoint',
]);

export function checkEndpointUrl(url: string): void {
  const invalid = () => badRequest(`Cannot create an endpoint with an invalid URL: ${url}.`);
  let rest = url;
  for (let at = rest.indexOf('$('); at !== -1; at = rest.indexOf('$(')) {
    const close = rest.indexOf(')s', at);
    if (close === -1) throw invalid();
    if (!SUBSTITUTIONS.has(rest.slice(at + 2, close))) throw invalid();
    rest = rest.slice(close + 2);
  }
}
