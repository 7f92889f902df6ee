// Interoperable image import: discovery (/v2/info/import, /v2/info/stores), staging,
// the import call, and the tasks that record each import.
import { ApiError } from '../../platform/http/api-error.ts';
import type { OperationHandler } from '../../platform/http/service-api.ts';
import { IMPORT_METHODS, type ImageService } from './image-service.ts';
import { requireOctetStream } from './image-data.ts';
import { taskView } from './views.ts';

export function importHandlers(service: ImageService): Record<string, OperationHandler> {
  return {
    showImportInfo: () => ({
      status: 200,
      body: { 'import-methods': { description: 'Import methods available.', type: 'array', value: [...IMPORT_METHODS] } },
    }),
    listStores: () => ({
      status: 200,
      body: { stores: [{ id: service.store.id, description: service.store.description, default: true }] },
    }),
    async listStoresDetail(ctx) {
      service.identity.authorize(ctx, 'stores_info_detail');
      return {
        status: 200,
        body: { stores: [{ id: service.store.id, description: service.store.description, default: true, type: service.store.storeType ?? 'file', weight: 0, properties: {} }] },
      };
    },
    async stageImageData(ctx) {
      requireOctetStream(ctx);
      await service.stage(ctx, ctx.params.image_id, ctx.raw.req);
      return { status: 204 };
    },
    async importImage(ctx) {
      await service.import(ctx, ctx.params.image_id, ctx.body);
      return { status: 202 };
    },
    async listImageTasks(ctx) {
      const tasks = await service.imageTasks(ctx, ctx.params.image_id);
      return { status: 200, body: { tasks: tasks.map((t) => taskView(t)) } };
    },
    async listTasks(ctx) {
      service.identity.authorize(ctx, 'tasks_api_access');
      service.identity.authorize(ctx, 'get_tasks');
      const admin = service.isAdmin(ctx);
      const tasks = await service.db.tasks.find(admin ? {} : { owner: ctx.auth?.projectId ?? null }, { sort: [['created_at', 'desc']] });
      return { status: 200, body: { tasks: tasks.map((t) => taskView(t, false)), first: '/v2/tasks', schema: '/v2/schemas/tasks' } };
    },
    async showTask(ctx) {
      service.identity.authorize(ctx, 'tasks_api_access');
      service.identity.authorize(ctx, 'get_task');
      const task = await service.db.tasks.get(ctx.params.task_id);
      if (!task || (!service.isAdmin(ctx) && task.owner !== ctx.auth?.projectId)) throw new ApiError(404, `Task with the given id ${ctx.params.task_id} not found`);
      return { status: 200, body: taskView(task) };
    },
  };
}
