import { type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, type HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Default-stage throttling: Intuit sends a few webhooks a minute per company; OAuth is a human clicking. */
export const API_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;

export interface ConnectorApiProps {
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The public HTTP API: Intuit's webhook and the OAuth start/callback pages. Created before the
 * functions (their redirect URIs need its URL); routes are added once the functions exist.
 */
export class ConnectorApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: ConnectorApiProps) {
    super(scope, id);
    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'ml-connector: QuickBooks webhooks and OAuth',
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy,
    });
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: API_THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            sourceIp: '$context.identity.sourceIp',
          }),
        ),
      },
    });
  }

  /** The base URL, ending in `/`. */
  get url(): string {
    return this.stage.url;
  }

  addRoutes(functions: { readonly webhook: IFunction; readonly oauth: IFunction }): void {
    const webhookRoutes = this.httpApi.addRoutes({
      path: '/webhooks/quickbooks',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('Webhook', functions.webhook),
    });
    // Pipedrive's organization webhooks, one URL per connection (decision 63).
    const pipedriveWebhookRoutes = this.httpApi.addRoutes({
      path: '/webhooks/pipedrive/{realmId}',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('PipedriveWebhook', functions.webhook),
    });
    for (const route of pipedriveWebhookRoutes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions::AwsSolutions-APIG4',
        reason:
          "Pipedrive's webhooks carry HTTP Basic auth of random per-connection credentials, which the function checks against a salted hash in constant time before anything is enqueued",
      });
    }
    const oauthRoutes = this.httpApi.addRoutes({
      path: '/oauth/{provider}/{step}',
      methods: [HttpMethod.GET],
      integration: new HttpLambdaIntegration('OAuth', functions.oauth),
    });
    // Pipedrive's app-uninstall notice: a DELETE with the app's Basic auth, checked by the function (decision 46).
    const uninstallRoutes = this.httpApi.addRoutes({
      path: '/oauth/pipedrive/callback',
      methods: [HttpMethod.DELETE],
      integration: new HttpLambdaIntegration('PipedriveUninstall', functions.oauth),
    });
    for (const route of uninstallRoutes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions::AwsSolutions-APIG4',
        reason:
          "Pipedrive's uninstall notice carries HTTP Basic auth of the app's client id and secret, which the function compares in constant time before changing anything",
      });
    }
    for (const route of webhookRoutes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions::AwsSolutions-APIG4',
        reason:
          'Intuit cannot send credentials an authorizer understands; the function verifies the intuit-signature HMAC against the verifier tokens before anything is enqueued',
      });
    }
    for (const route of oauthRoutes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions::AwsSolutions-APIG4',
        reason:
          'Browser redirects of the OAuth authorization-code flow: the callback is bound to a single-use state stored with a 10-minute TTL, and the code is exchanged with the app client secret',
      });
    }
  }
}
