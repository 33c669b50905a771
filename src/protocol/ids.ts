// Ids and ARNs in AWS's formats.
import { randomBytes, randomUUID } from 'node:crypto';

export function requestId(): string {
  return randomUUID();
}

const HEX = '0123456789abcdef';
/** e.g. ec2Id('i') → i-0123456789abcdef0 (17 hex digits, as EC2 issues them now). */
export function ec2Id(prefix: string, digits = 17): string {
  const bytes = randomBytes(digits);
  let s = '';
  for (let i = 0; i < digits; i++) s += HEX[bytes[i]! & 15];
  return `${prefix}-${s}`;
}

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** IAM unique ids: AIDA… (user), AROA… (role), ANPA… (policy), AGPA… (group), AIPA… (instance profile), AKIA/ASIA (keys). */
export function iamId(prefix: string, length = 21): string {
  const bytes = randomBytes(length - prefix.length);
  let s = prefix;
  for (const b of bytes) s += UPPER_ALNUM[b & 31];
  return s;
}

export function secretKey(): string {
  return randomBytes(30).toString('base64').replace(/[+/=]/g, 'A').slice(0, 40);
}

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  return 'aws';
}

export function arn(parts: { service: string; region: string; account: string; resource: string; partition?: string }): string {
  const partition = parts.partition ?? partitionOf(parts.region || 'us-east-1');
  return `arn:${partition}:${parts.service}:${parts.region}:${parts.account}:${parts.resource}`;
}

export interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

export function parseArn(value: string): ParsedArn | undefined {
  const m = /^arn:([^:]+):([^:]+):([^:]*):([^:]*):(.+)$/.exec(value);
  if (!m) return undefined;
  return { partition: m[1]!, service: m[2]!, region: m[3]!, account: m[4]!, resource: m[5]! };
}
