// API Gateway v2's error shapes, with its messages.
import { AwsError } from '../../protocol/errors.js';

export const notFound = (message: string, resourceType?: string) =>
  new AwsError('NotFoundException', message, { status: 404, fields: resourceType ? { ResourceType: resourceType } : undefined });
export const badRequest = (message: string) => new AwsError('BadRequestException', message, { status: 400 });
export const conflict = (message: string) => new AwsError('ConflictException', message, { status: 409 });
