// User pools: create (password policy with AWS's defaults, username/alias attributes, schema), update, describe,
// list, delete. Each pool gets its own RSA key pair at creation, kept in its record.
import { randomInt } from 'node:crypto';
import type { CognitoIdpOperations, CreateUserPoolRequest, SchemaAttributeType, UserPoolType } from '../../generated/cognito-idp.js';
import { arn } from '../../protocol/ids.js';
import { paginate } from '../../protocol/pagination.js';
import { regional } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { removePoolGroups } from './groups.js';
import { DEFAULT_POLICY } from './password.js';
import { clients, GLOBAL, owners, poolOf, pools, refreshTokens, sessions, users, usersOfPool, type PoolRecord } from './store.js';
import { newSigningKey } from './tokens.js';
import { checkTags } from './pool-tags.js';
import { invalidParameter } from './errors.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const poolId = (region: string) => `${region}_${Array.from({ length: 9 }, () => ALNUM[randomInt(ALNUM.length)]).join('')}`;


const str = (Name: string, Mutable = true, extra: Partial<SchemaAttributeType> = {}): SchemaAttributeType => ({
  Name,
  AttributeDataType: 'String',
  DeveloperOnlyAttribute: false,
  Mutable,
  Required: false,
  StringAttributeConstraints: { MinLength: '0', MaxLength: '2048' },
  ...extra,
});

/** The standard attributes every pool has (a subset of AWS's list: the ones Cumulus's tokens use). */
function standardSchema(): SchemaAttributeType[] {
  return [
    str('sub', false, { Required: true, StringAttributeConstraints: { MinLength: '1', MaxLength: '2048' } }),
    str('name'),
    str('given_name'),
    str('family_name'),
    str('preferred_username'),
    str('email'),
    { Name: 'email_verified', AttributeDataType: 'Boolean', DeveloperOnlyAttribute: false, Mutable: true, Required: false },
    str('phone_number'),
    { Name: 'phone_number_verified', AttributeDataType: 'Boolean', DeveloperOnlyAttribute: false, Mutable: true, Required: false },
    { Name: 'updated_at', AttributeDataType: 'Number', DeveloperOnlyAttribute: false, Mutable: true, Required: false, NumberAttributeConstraints: { MinValue: '0' } },
  ];
}

function schemaOf(input: SchemaAttributeType[] | undefined): SchemaAttributeType[] {
  const schema = standardSchema();
  for (const a of input ?? []) {
    if (!a.Name) throw invalidParameter('Attribute name must be specified.');
    const std = schema.find((s) => s.Name === a.Name);
    if (std) {
      Object.assign(std, { Required: a.Required ?? std.Required, Mutable: a.Mutable ?? std.Mutable });
      continue;
    }
    addCustomAttribute(schema, a);
  }
  return schema;
}

/** AWS's limit on custom attributes in a pool. */
export const MAX_CUSTOM_ATTRIBUTES = 50;

/**
 * Adds a custom attribute to a schema (CreateUserPool's Schema, AddCustomAttributes): stored with the custom:
 * prefix, never required, never twice, at most 50 in a pool.
 */
export function addCustomAttribute(schema: SchemaAttributeType[], a: SchemaAttributeType): void {
  if (!a.Name) throw invalidParameter('Attribute name must be specified.');
  const name = `custom:${a.Name.replace(/^custom:/, '')}`;
  if (a.Required) throw invalidParameter(`Required custom attributes are not supported currently.`);
  if (schema.some((s) => s.Name === name)) throw invalidParameter(`${name}: Existing attribute already has name ${name}.`);
  if (schema.filter((s) => s.Name?.startsWith('custom:')).length >= MAX_CUSTOM_ATTRIBUTES) {
    throw invalidParameter(`A user pool can have at most ${MAX_CUSTOM_ATTRIBUTES} custom attributes.`);
  }
  const min = Number(a.StringAttributeConstraints?.MinLength ?? 0);
  const max = Number(a.StringAttributeConstraints?.MaxLength ?? 2048);
  if (a.StringAttributeConstraints && (!(min >= 0) || !(max <= 2048) || min > max)) {
    throw invalidParameter(`${name}: StringAttributeConstraints must have 0 <= MinLength <= MaxLength <= 2048.`);
  }
  const lo = a.NumberAttributeConstraints?.MinValue;
  const hi = a.NumberAttributeConstraints?.MaxValue;
  if (lo !== undefined && hi !== undefined && Number(lo) > Number(hi)) throw invalidParameter(`${name}: MinValue must not be greater than MaxValue.`);
  schema.push({ ...a, Name: name, AttributeDataType: a.AttributeDataType ?? 'String', DeveloperOnlyAttribute: a.DeveloperOnlyAttribute ?? false, Mutable: a.Mutable ?? true, Required: false });
}

type PoolSettingsInput = Pick<
  CreateUserPoolRequest,
  | 'Policies'
  | 'DeletionProtection'
  | 'LambdaConfig'
  | 'AutoVerifiedAttributes'
  | 'MfaConfiguration'
  | 'EmailVerificationMessage'
  | 'EmailVerificationSubject'
  | 'VerificationMessageTemplate'
  | 'EmailConfiguration'
  | 'AdminCreateUserConfig'
  | 'AccountRecoverySetting'
  | 'UserAttributeUpdateSettings'
  | 'UserPoolTags'
  | 'UserPoolTier'
>;

/** The settings CreateUserPool and UpdateUserPool both take, each given or at AWS's default. */
function settingsOf(input: PoolSettingsInput): { policy: PoolRecord['PasswordPolicy']; config: PoolRecord['config'] } {
  const pp = input.Policies?.PasswordPolicy;
  const policy = { ...DEFAULT_POLICY, ...Object.fromEntries(Object.entries(pp ?? {}).filter(([, v]) => v !== undefined)) } as PoolRecord['PasswordPolicy'];
  if (policy.MinimumLength < 6 || policy.MinimumLength > 99) throw invalidParameter('Minimum length must be between 6 and 99.');
  return {
    policy,
    config: {
      DeletionProtection: input.DeletionProtection ?? 'INACTIVE',
      LambdaConfig: input.LambdaConfig ?? {},
      AutoVerifiedAttributes: input.AutoVerifiedAttributes,
      MfaConfiguration: input.MfaConfiguration ?? 'OFF',
      EmailVerificationMessage: input.EmailVerificationMessage,
      EmailVerificationSubject: input.EmailVerificationSubject,
      VerificationMessageTemplate: input.VerificationMessageTemplate ?? { DefaultEmailOption: 'CONFIRM_WITH_CODE' },
      EmailConfiguration: input.EmailConfiguration ?? { EmailSendingAccount: 'COGNITO_DEFAULT' },
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false, UnusedAccountValidityDays: policy.TemporaryPasswordValidityDays, ...input.AdminCreateUserConfig },
      AccountRecoverySetting: input.AccountRecoverySetting,
      UserAttributeUpdateSettings: input.UserAttributeUpdateSettings,
      UserPoolTags: checkTags({}, input.UserPoolTags ?? {}),
      UserPoolTier: input.UserPoolTier ?? 'ESSENTIALS',
    },
  };
}

export function describePool(p: PoolRecord, userCount: number): UserPoolType {
  return {
    ...p.config,
    Id: p.Id,
    Name: p.Name,
    Arn: p.Arn,
    Policies: { PasswordPolicy: { ...p.PasswordPolicy } },
    SchemaAttributes: p.Schema,
    CreationDate: new Date(p.CreationDate),
    LastModifiedDate: new Date(p.LastModifiedDate),
    EstimatedNumberOfUsers: userCount,
  };
}

export const poolHandlers: Handlers<CognitoIdpOperations> = {
  CreateUserPool(ctx, input) {
    if (input.UsernameAttributes?.length && input.AliasAttributes?.length) {
      throw invalidParameter('Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.');
    }
    const now = ctx.clock.now();
    const id = poolId(ctx.region);
    const { policy, config } = settingsOf(input);
    const record: PoolRecord = {
      Id: id,
      Name: input.PoolName,
      Arn: arn({ service: 'cognito-idp', region: ctx.region, account: ctx.account, resource: `userpool/${id}` }),
      CreationDate: now,
      LastModifiedDate: now,
      PasswordPolicy: policy,
      Schema: schemaOf(input.Schema),
      config: {
        ...config,
        Status: 'Enabled',
        AliasAttributes: input.AliasAttributes,
        UsernameAttributes: input.UsernameAttributes,
        UsernameConfiguration: input.UsernameConfiguration,
      },
      key: newSigningKey(),
    };
    pools(ctx.store).put(regional(ctx), id, record);
    owners(ctx.store).put(GLOBAL, `pool/${id}`, { account: ctx.account, region: ctx.region, poolId: id });
    return { UserPool: describePool(record, 0) };
  },

  /**
   * As AWS warns: every setting the request leaves out goes back to its default (its Lambda triggers, its
   * password policy, its messages …). What cannot change after creation (the schema, username and alias
   * attributes, the username configuration, the signing keys) stays.
   */
  UpdateUserPool(ctx, input) {
    const scope = regional(ctx);
    const p = poolOf(ctx.store, scope, input.UserPoolId);
    const { policy, config } = settingsOf(input);
    const record: PoolRecord = {
      ...p,
      Name: input.PoolName ?? p.Name,
      LastModifiedDate: ctx.clock.now(),
      PasswordPolicy: policy,
      config: {
        ...config,
        Status: p.config.Status,
        AliasAttributes: p.config.AliasAttributes,
        UsernameAttributes: p.config.UsernameAttributes,
        UsernameConfiguration: p.config.UsernameConfiguration,
        // tags are TagResource's: an update without UserPoolTags keeps them
        UserPoolTags: input.UserPoolTags ?? p.config.UserPoolTags,
      },
    };
    pools(ctx.store).put(scope, p.Id, record);
    return {};
  },

  DescribeUserPool(ctx, { UserPoolId }) {
    const p = poolOf(ctx.store, regional(ctx), UserPoolId);
    return { UserPool: describePool(p, usersOfPool(ctx.store, regional(ctx), p.Id).length) };
  },

  ListUserPools(ctx, { MaxResults, NextToken }) {
    const page = paginate(pools(ctx.store).list(regional(ctx)), (p) => p.Id, { token: NextToken, max: MaxResults, invalidTokenCode: 'InvalidParameterException' });
    return {
      UserPools: page.items.map((p) => ({ Id: p.Id, Name: p.Name, LambdaConfig: p.config.LambdaConfig, Status: p.config.Status, CreationDate: new Date(p.CreationDate), LastModifiedDate: new Date(p.LastModifiedDate) })),
      NextToken: page.next,
    };
  },

  DeleteUserPool(ctx, { UserPoolId }) {
    const scope = regional(ctx);
    const p = poolOf(ctx.store, scope, UserPoolId);
    if (p.config.DeletionProtection === 'ACTIVE') {
      throw invalidParameter('The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.');
    }
    for (const c of clients(ctx.store).list(scope)) {
      if (c.UserPoolId !== p.Id) continue;
      clients(ctx.store).delete(scope, c.ClientId);
      owners(ctx.store).delete(GLOBAL, `client/${c.ClientId}`);
    }
    for (const u of usersOfPool(ctx.store, scope, p.Id)) users(ctx.store).delete(scope, `${p.Id}/${u.Username}`);
    for (const r of refreshTokens(ctx.store).list(scope)) if (r.poolId === p.Id) refreshTokens(ctx.store).delete(scope, r.token);
    for (const s of sessions(ctx.store).list(scope)) if (s.poolId === p.Id) sessions(ctx.store).delete(scope, s.session);
    removePoolGroups(ctx.store, scope, p.Id);
    pools(ctx.store).delete(scope, p.Id);
    owners(ctx.store).delete(GLOBAL, `pool/${p.Id}`);
  },
};
