// /v2/images/{id}/members: sharing a `shared` image with other projects, and the
// member's own accept/reject decision.
import type { OperationHandler } from '../../platform/http/service-api.ts';
import type { ImageService } from './image-service.ts';
import { memberView } from './views.ts';

export function memberHandlers(service: ImageService): Record<string, OperationHandler> {
  return {
    async createImageMember(ctx) {
      const member = await service.addMember(ctx, ctx.params.image_id, (ctx.body as Record<string, unknown> | undefined)?.member);
      return { status: 200, body: memberView(member) };
    },
    async listImageMembers(ctx) {
      const members = await service.listMembers(ctx, ctx.params.image_id);
      return { status: 200, body: { members: members.map(memberView), schema: '/v2/schemas/members' } };
    },
    async showImageMember(ctx) {
      return { status: 200, body: memberView(await service.showMember(ctx, ctx.params.image_id, ctx.params.member_id)) };
    },
    async updateImageMember(ctx) {
      return { status: 200, body: memberView(await service.updateMember(ctx, ctx.params.image_id, ctx.params.member_id, ctx.body)) };
    },
    async deleteImageMember(ctx) {
      await service.deleteMember(ctx, ctx.params.image_id, ctx.params.member_id);
      return { status: 204 };
    },
  };
}
