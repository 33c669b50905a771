// The contract between Lambda's control plane (functions, versions, aliases, layers, permissions) and its
// execution side (environments, the Runtime API, invoke): everything needed to run one version of a function.

export interface ResolvedFunction {
  account: string;
  region: string;
  FunctionName: string;
  /** unqualified ARN: arn:aws:lambda:REGION:ACCOUNT:function:NAME */
  FunctionArn: string;
  /** '$LATEST' or a published version number */
  Version: string;
  /** the alias the caller named, when it named one */
  Alias?: string;
  Runtime?: string;
  Handler?: string;
  PackageType: 'Zip' | 'Image';
  /** MB */
  MemorySize: number;
  /** seconds */
  Timeout: number;
  /** MB of /tmp */
  EphemeralStorage: number;
  Environment: Record<string, string>;
  Role: string;
  Architectures: string[];
  CodeSha256: string;
  /** the unpacked deployment package: becomes LAMBDA_TASK_ROOT (/var/task) */
  codeDir: string;
  /** unpacked layers, in order: merged under /opt */
  layerDirs: string[];
  /** reserved concurrency; undefined = uses the unreserved pool */
  ReservedConcurrentExecutions?: number;
  /** provisioned concurrency configured for this version/alias (environments kept warm) */
  ProvisionedConcurrentExecutions?: number;
  /** CodeSha256 + configuration revision: environments of another revision are never reused */
  RevisionId: string;
  LoggingConfig: { LogGroup: string; LogFormat: 'Text' | 'JSON'; ApplicationLogLevel?: string; SystemLogLevel?: string };
  TracingMode: 'Active' | 'PassThrough';
  DeadLetterTargetArn?: string;
}
