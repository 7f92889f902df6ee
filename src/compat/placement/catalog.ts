// Resource classes and traits: the standard names in code, the CUSTOM_ ones stored.
import { DuplicateKeyError } from '../../platform/store/store.ts';
import type { Clock } from '../../platform/clock.ts';
import type { PlacementDb } from './model.ts';
import { STANDARD_RESOURCE_CLASSES, STANDARD_TRAITS, isStandardResourceClass, isStandardTrait } from './standard-names.ts';
import { badRequest, conflict, notFound } from './errors.ts';

export class Catalog {
  readonly db: PlacementDb;
  readonly clock: Clock;
  constructor(db: PlacementDb, clock: Clock) {
    this.db = db;
    this.clock = clock;
  }

  async resourceClasses(): Promise<string[]> {
    const custom = await this.db.resourceClasses.find({}, { sort: [['created_at', 'asc']] });
    return [...STANDARD_RESOURCE_CLASSES, ...custom.map((c) => c.id)];
  }

  async resourceClassExists(name: string): Promise<boolean> {
    return isStandardResourceClass(name) || (await this.db.resourceClasses.get(name)) !== undefined;
  }

  async requireResourceClass(name: string): Promise<void> {
    if (!(await this.resourceClassExists(name))) throw notFound(`No such resource class ${name}.`);
  }

  /** true when created, false when it already existed */
  async ensureResourceClass(name: string): Promise<boolean> {
    if (await this.resourceClassExists(name)) return false;
    try {
      await this.db.resourceClasses.insert({ id: name, created_at: new Date(this.clock.now()).toISOString() });
      return true;
    } catch (error) {
      if (error instanceof DuplicateKeyError) return false;
      throw error;
    }
  }

  async createResourceClass(name: string): Promise<void> {
    if (!(await this.ensureResourceClass(name))) throw conflict(`Conflicting resource class already exists: ${name}`);
  }

  async renameResourceClass(from: string, to: string, inUse: (rc: string) => Promise<boolean>): Promise<void> {
    if (isStandardResourceClass(from)) throw badRequest(`Cannot update standard resource class ${from}`);
    const current = await this.db.resourceClasses.get(from);
    if (!current) throw notFound(`No such resource class ${from}.`);
    if (await this.resourceClassExists(to)) throw conflict(`Resource class already exists: ${to}`);
    if (await inUse(from)) throw conflict(`Cannot update resource class ${from}. Class is in use in inventory.`);
    await this.db.resourceClasses.insert({ id: to, created_at: current.created_at });
    await this.db.resourceClasses.delete(from);
  }

  async deleteResourceClass(name: string, inUse: (rc: string) => Promise<boolean>): Promise<void> {
    if (isStandardResourceClass(name)) {
      throw badRequest(`Error in delete resource class: Cannot delete standard resource class ${name}.`);
    }
    if (!(await this.db.resourceClasses.get(name))) throw notFound(`No such resource class ${name}.`);
    if (await inUse(name)) {
      throw conflict(`Error in delete resource class: Cannot delete resource class ${name}. Class is in use in inventory.`);
    }
    await this.db.resourceClasses.delete(name);
  }

  async traits(): Promise<string[]> {
    const custom = await this.db.traits.find({}, { sort: [['id', 'asc']] });
    return [...STANDARD_TRAITS, ...custom.map((t) => t.id)];
  }

  async traitExists(name: string): Promise<boolean> {
    return isStandardTrait(name) || (await this.db.traits.get(name)) !== undefined;
  }

  /** the names among `names` that are not traits */
  async missingTraits(names: Iterable<string>): Promise<string[]> {
    const missing: string[] = [];
    for (const n of new Set(names)) if (!(await this.traitExists(n))) missing.push(n);
    return missing;
  }

  /** true when created */
  async ensureTrait(name: string): Promise<boolean> {
    if (await this.traitExists(name)) return false;
    try {
      await this.db.traits.insert({ id: name, created_at: new Date(this.clock.now()).toISOString() });
      return true;
    } catch (error) {
      if (error instanceof DuplicateKeyError) return false;
      throw error;
    }
  }

  async deleteTrait(name: string): Promise<void> {
    if (isStandardTrait(name)) throw badRequest(`Cannot delete standard trait ${name}.`);
    if (!(await this.db.traits.get(name))) throw notFound(`No such trait(s): ${name}.`);
    if ((await this.db.providers.count({ traits: { $contains: name } })) > 0) {
      throw conflict(`The trait ${name} is in use by a resource provider.`);
    }
    await this.db.traits.delete(name);
  }
}
