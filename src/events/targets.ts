// Where alarm actions and EventBridge targets go: an ARN is handed to the service that owns it.
// Services register a handler for the ARNs they own at init (EC2 for arn:aws:automate:…:ec2:stop,
// Lambda for functions, Auto Scaling for its policies, EventBridge for event buses …); the caller never
// imports the target service. The outcome is reported back so alarm history can record it.

export interface TargetInvocation {
  /** the target: a function ARN, arn:aws:automate:REGION:ec2:stop, a scaling policy ARN, an event bus ARN … */
  arn: string;
  /** the event or alarm payload as JSON text */
  payload: string;
  /** who is acting: the principal service (events.amazonaws.com, cloudwatch.amazonaws.com …) and its resource */
  source: { principal: string; arn?: string; account: string; region: string };
  /** extra target settings (e.g. an alarm's dimensions: the instance an automate action applies to) */
  context?: Record<string, unknown>;
}

export interface TargetResult {
  ok: boolean;
  /** what happened, in words fit for alarm history ("Successfully executed action …" / why it failed) */
  message: string;
  /** for failures: AWS's dead-letter ERROR_CODE terms (NO_PERMISSIONS, RESOURCE_NOT_FOUND, THROTTLING …) */
  errorCode?: string;
  /** for failures: whether trying again could succeed (false for a missing target or a refused permission) */
  retryable?: boolean;
}

export type TargetHandler = (invocation: TargetInvocation) => Promise<TargetResult> | TargetResult;

export class TargetRegistry {
  private handlers: Array<{ name: string; matches: (arn: string) => boolean; handle: TargetHandler }> = [];

  /** `matches` decides by ARN; the first registered match wins. */
  register(name: string, matches: (arn: string) => boolean, handle: TargetHandler): void {
    this.handlers.push({ name, matches, handle });
  }

  handles(arn: string): boolean {
    return this.handlers.some((h) => h.matches(arn));
  }

  async invoke(invocation: TargetInvocation): Promise<TargetResult> {
    const h = this.handlers.find((x) => x.matches(invocation.arn));
    if (!h) return { ok: false, message: `No service in Cumulus can act on ${invocation.arn}`, errorCode: 'RESOURCE_NOT_FOUND', retryable: false };
    try {
      return await h.handle(invocation);
    } catch (err) {
      return { ok: false, message: (err as Error)?.message ?? String(err) };
    }
  }
}
