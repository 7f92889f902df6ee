// /resource_classes (1.2) and /traits (1.6): standard names and CUSTOM_ ones.
import type { OperationHandler, RequestContext } from '../../platform/http/service-api.ts';
import type { IdentityEngine } from '../../identity/engine.ts';
import type { PlacementLogic } from './placement-logic.ts';
import { badRequest, notFound } from './errors.ts';
import { jsonBody, queryOne } from './request-validation.ts';
import { authorize, json, mv, noContent, root, since } from './rest-support.ts';

const CUSTOM = '^CUSTOM_[A-Z0-9_]+$';
const RC_BODY = { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', pattern: CUSTOM, maxLength: 255 } } };

export function catalogHandlers(engine: IdentityEngine, logic: PlacementLogic): Record<string, OperationHandler> {
  const { catalog, providers } = logic;
  const rcView = (ctx: RequestContext, name: string) => ({ name, links: [{ rel: 'self', href: `${root(ctx)}/resource_classes/${name}` }] });
  const inUse = (rc: string) => providers.isResourceClassInUse(rc);
  return {
    listResourceClasses: async (ctx) => {
      since(ctx, '1.2');
      authorize(engine, ctx, 'placement:resource_classes:list');
      return json({ resource_classes: (await catalog.resourceClasses()).map((n) => rcView(ctx, n)) }, 200, ctx);
    },
    createResourceClass: async (ctx) => {
      since(ctx, '1.2');
      authorize(engine, ctx, 'placement:resource_classes:create');
      const { name } = jsonBody(ctx, RC_BODY);
      await logic.serial(() => catalog.createResourceClass(name));
      return { status: 201, headers: { Location: `${root(ctx)}/resource_classes/${name}` } };
    },
    showResourceClass: async (ctx) => {
      since(ctx, '1.2');
      authorize(engine, ctx, 'placement:resource_classes:show');
      await catalog.requireResourceClass(ctx.params.name);
      return json(rcView(ctx, ctx.params.name), 200, ctx);
    },
    updateResourceClass: async (ctx) => {
      since(ctx, '1.2');
      authorize(engine, ctx, 'placement:resource_classes:update');
      const name = ctx.params.name;
      const location = { Location: `${root(ctx)}/resource_classes/${name}` };
      if (mv(ctx, '1.7')) {
        if (!new RegExp(CUSTOM).test(name) || name.length > 255) {
          throw badRequest(`JSON does not validate: '${name}' does not match '${CUSTOM}'`);
        }
        const created = await logic.serial(() => catalog.ensureResourceClass(name));
        return { status: created ? 201 : 204, headers: location };
      }
      const body = jsonBody(ctx, RC_BODY);
      await logic.serial(() => catalog.renameResourceClass(name, body.name, inUse));
      return json(rcView(ctx, body.name), 200);
    },
    deleteResourceClass: async (ctx) => {
      since(ctx, '1.2');
      authorize(engine, ctx, 'placement:resource_classes:delete');
      await logic.serial(() => catalog.deleteResourceClass(ctx.params.name, inUse));
      return noContent();
    },

    listTraits: async (ctx) => {
      since(ctx, '1.6');
      authorize(engine, ctx, 'placement:traits:list');
      let names = await catalog.traits();
      const filter = queryOne(ctx, 'name');
      if (filter !== undefined) {
        const colon = filter.indexOf(':');
        const op = filter.slice(0, colon);
        const value = filter.slice(colon + 1);
        if (colon < 0 || (op !== 'in' && op !== 'startswith')) {
          throw badRequest(`Badly formatted name parameter. Expected name query string parameter in form: ?name=[in|startswith]:[name1,name2|prefix]. Got: "${filter}"`);
        }
        names = op === 'in' ? names.filter((n) => value.split(',').includes(n)) : names.filter((n) => n.startsWith(value));
      }
      const associated = queryOne(ctx, 'associated');
      if (associated !== undefined) {
        if (!['true', 'false'].includes(associated.toLowerCase())) throw badRequest('The query parameter "associated" only accepts "true" or "false"');
        const used = new Set((await providers.list()).flatMap((p) => p.traits));
        names = names.filter((n) => used.has(n) === (associated.toLowerCase() === 'true'));
      }
      return json({ traits: names }, 200, ctx);
    },
    showTrait: async (ctx) => {
      since(ctx, '1.6');
      authorize(engine, ctx, 'placement:traits:show');
      if (!(await catalog.traitExists(ctx.params.name))) throw notFound(`No such trait(s): ${ctx.params.name}.`);
      return noContent();
    },
    putTrait: async (ctx) => {
      since(ctx, '1.6');
      authorize(engine, ctx, 'placement:traits:update');
      const name = ctx.params.name;
      if (!new RegExp(CUSTOM).test(name) || name.length > 255) {
        throw badRequest('The trait is invalid. A valid trait must be no longer than 255 characters, start with the prefix "CUSTOM_" and use following characters: "A"-"Z", "0"-"9" and "_"');
      }
      const created = await logic.serial(() => catalog.ensureTrait(name));
      return { status: created ? 201 : 204, headers: { Location: `${root(ctx)}/traits/${name}` } };
    },
    deleteTrait: async (ctx) => {
      since(ctx, '1.6');
      authorize(engine, ctx, 'placement:traits:delete');
      await logic.serial(() => catalog.deleteTrait(ctx.params.name));
      return noContent();
    },
  };
}
