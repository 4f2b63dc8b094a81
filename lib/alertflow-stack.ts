import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Alertflow, type AlertflowProps } from './alertflow';

export interface AlertflowStackProps extends StackProps, AlertflowProps {}

/** The stack `bin/app.ts` deploys: one Alertflow and nothing else. */
export class AlertflowStack extends Stack {
  readonly alertflow: Alertflow;

  constructor(scope: Construct, id: string, props: AlertflowStackProps) {
    super(scope, id, { description: 'alertflow: serverless alert router and on-call notifier', ...props });
    this.alertflow = new Alertflow(this, 'Alertflow', props);
    // Stack-level outputs, so their names stay `ApiUrl` and `AlarmTopicArn` (no hashed suffix).
    const { ingestion } = this.alertflow;
    new CfnOutput(this, 'ApiUrl', { value: ingestion.stage.url, description: 'Base URL of the alertflow HTTP API' });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: ingestion.alarmTopic.topicArn,
      description: 'SNS topic that CloudWatch alarm actions can notify alertflow through',
    });
    if (this.alertflow.escalation) {
      new CfnOutput(this, 'SmsReplyTopicArn', {
        value: this.alertflow.escalation.smsReplies.topicArn,
        description: 'SNS topic for two-way SMS replies to pages (ACK <code>): set it as the phone number\'s two-way SMS destination',
      });
    }
    if (this.alertflow.selfMonitoring) {
      new CfnOutput(this, 'SelfMonitoringTopicArn', {
        value: this.alertflow.selfMonitoring.topic.topicArn,
        description: 'SNS topic of the out-of-band alarm (the synthetic heartbeat stopped): subscribe more endpoints to it',
      });
    }
  }
}
