// Key pairs: CreateKeyPair (a real private key), ImportKeyPair (checked), DescribeKeyPairs, DeleteKeyPair, tags.
import type { Ec2Operations, KeyPairInfo } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import { ec2Id } from '../../protocol/ids.js';
import type { Handlers } from '../define.js';
import { dryRun } from './dry-run.js';
import { applyFilters } from './filters.js';
import { keyNotFound } from './net-errors.js';
import { scope, tables, type Ec2Ctx, type KeyPairRecord } from './net-store.js';
import { generateKey, importKey } from './ssh-keys.js';
import { registerTaggable, tagList, tagsFromSpecs } from './tagging.js';

function checkName(name: string): void {
  if (name.length < 1 || name.length > 255 || !/^[\x20-\x7e]+$/.test(name)) {
    throw new AwsError('InvalidParameterValue', `Value (${name}) for parameter keyName is invalid. Key names must be 1-255 ASCII characters.`);
  }
}

function byId(ctx: Ec2Ctx, id: string): KeyPairRecord | undefined {
  return tables(ctx).keys.list(scope(ctx)).find((k) => k.KeyPairId === id);
}

function store(ctx: Ec2Ctx, rec: KeyPairRecord): KeyPairRecord {
  const t = tables(ctx).keys;
  if (t.has(scope(ctx), rec.KeyName)) throw new AwsError('InvalidKeyPair.Duplicate', `The keypair '${rec.KeyName}' already exists.`);
  return t.put(scope(ctx), rec.KeyName, rec);
}

registerTaggable('key', {
  resourceType: 'key-pair',
  get: (ctx, id) => byId(ctx, id)?.Tags,
  set: (ctx, id, tags) => {
    const k = byId(ctx, id);
    if (k) tables(ctx).keys.put(scope(ctx), k.KeyName, { ...k, Tags: tags });
  },
  list: (ctx) => tables(ctx).keys.list(scope(ctx)).map((k) => ({ id: k.KeyPairId, tags: k.Tags })),
  notFound: (id) => new AwsError('InvalidKeyPair.NotFound', `The key pair ID '${id}' does not exist`),
});

export const keyPairHandlers: Handlers<Ec2Operations> = {
  CreateKeyPair(ctx, input) {
    checkName(input.KeyName);
    const tags = tagsFromSpecs(input.TagSpecifications, 'key-pair');
    if (tables(ctx).keys.has(scope(ctx), input.KeyName)) throw new AwsError('InvalidKeyPair.Duplicate', `The keypair '${input.KeyName}' already exists.`);
    if (input.KeyFormat === 'ppk') throw new AwsError('InvalidParameterValue', 'Cumulus issues key pairs in pem format only.');
    dryRun(input);
    const type = input.KeyType ?? 'rsa';
    const key = generateKey(type, input.KeyName);
    const rec = store(ctx, {
      KeyName: input.KeyName,
      KeyPairId: ec2Id('key'),
      KeyFingerprint: key.fingerprint,
      KeyType: type,
      PublicKey: key.publicKey,
      CreateTime: ctx.clock.date().toISOString(),
      Tags: tags,
    });
    return { KeyName: rec.KeyName, KeyPairId: rec.KeyPairId, KeyFingerprint: rec.KeyFingerprint, KeyMaterial: key.privateKey, Tags: tagList(rec.Tags) };
  },

  ImportKeyPair(ctx, input) {
    checkName(input.KeyName);
    const tags = tagsFromSpecs(input.TagSpecifications, 'key-pair');
    const key = importKey(input.PublicKeyMaterial, input.KeyName);
    if (tables(ctx).keys.has(scope(ctx), input.KeyName)) throw new AwsError('InvalidKeyPair.Duplicate', `The keypair '${input.KeyName}' already exists.`);
    dryRun(input);
    const rec = store(ctx, {
      KeyName: input.KeyName,
      KeyPairId: ec2Id('key'),
      KeyFingerprint: key.fingerprint,
      KeyType: key.type,
      PublicKey: key.publicKey,
      CreateTime: ctx.clock.date().toISOString(),
      Tags: tags,
    });
    return { KeyName: rec.KeyName, KeyPairId: rec.KeyPairId, KeyFingerprint: rec.KeyFingerprint, Tags: tagList(rec.Tags) };
  },

  DescribeKeyPairs(ctx, input) {
    const all = tables(ctx).keys.list(scope(ctx));
    let picked = all;
    if (input.KeyNames?.length) {
      picked = input.KeyNames.map((n) => all.find((k) => k.KeyName === n) ?? (() => { throw keyNotFound(n); })());
    }
    if (input.KeyPairIds?.length) {
      picked = picked.filter((k) => input.KeyPairIds!.includes(k.KeyPairId));
      for (const id of input.KeyPairIds) {
        if (!all.some((k) => k.KeyPairId === id)) throw new AwsError('InvalidKeyPair.NotFound', `The key pair ID '${id}' does not exist`);
      }
    }
    const filtered = applyFilters(picked, input.Filters, {
      'key-pair-id': (k) => k.KeyPairId,
      'key-name': (k) => k.KeyName,
      'fingerprint': (k) => k.KeyFingerprint,
      'key-type': (k) => k.KeyType,
    });
    return {
      KeyPairs: filtered.map(
        (k): KeyPairInfo => ({
          KeyPairId: k.KeyPairId,
          KeyName: k.KeyName,
          KeyFingerprint: k.KeyFingerprint,
          KeyType: k.KeyType,
          CreateTime: k.CreateTime,
          PublicKey: input.IncludePublicKey ? k.PublicKey : undefined,
          Tags: tagList(k.Tags) ?? [],
        }),
      ),
    };
  },

  DeleteKeyPair(ctx, input) {
    if (!input.KeyName && !input.KeyPairId) throw new AwsError('MissingParameter', 'The request must contain the parameter KeyName or KeyPairId');
    const k = input.KeyPairId ? byId(ctx, input.KeyPairId) : tables(ctx).keys.get(scope(ctx), input.KeyName!);
    dryRun(input);
    if (k) tables(ctx).keys.delete(scope(ctx), k.KeyName);
    return { Return: true, KeyPairId: k?.KeyPairId };
  },
};
