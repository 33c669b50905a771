// API Gateway's error shapes with its own messages.
import { AwsError } from '../../protocol/errors.js';

export const notFound = (message: string) => new AwsError('NotFoundException', message, { status: 404 });
export const badRequest = (message: string) => new AwsError('BadRequestException', message, { status: 400 });
export const conflict = (message: string) => new AwsError('ConflictException', message, { status: 409 });
export const limitExceeded = (message: string) => new AwsError('LimitExceededException', message, { status: 429 });
