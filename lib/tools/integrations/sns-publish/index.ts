import { PublishCommand } from '@aws-sdk/client-sns';
import type { RunTimeCall } from '../../calls/run-time-call';
import type { TaskIntegration } from '../task-integration';

/**
 * A notification (`sns:publish`): a pipeline's failure, a gate's verdict. Calls: the publish and,
 * to an encrypted topic, its key's data key (SNS names the topic as the encryption context). Not
 * priced: within SNS's free tier at these volumes. Locally: published to the emulator's SNS and kept
 * in the run's record.
 */
export const SNS_PUBLISH: TaskIntegration = {
  apis: ['sns:publish'],
  deniedError: 'SNS.AuthorizationErrorException',
  calls({ inventory, stage, caller }, parameters) {
    if (typeof parameters.TopicArn !== 'string') return { calls: [], problems: ['no TopicArn'] };
    const topic = inventory.topics.get(parameters.TopicArn);
    const calls: RunTimeCall[] = [{ ...caller, action: 'sns:Publish', resource: parameters.TopicArn }];
    for (const action of topic?.kmsKeyArn ? ['kms:GenerateDataKey', 'kms:Decrypt'] : []) {
      calls.push({
        ...caller,
        action,
        resource: topic!.kmsKeyArn!,
        context: {
          'kms:ViaService': `sns.${stage.region}.amazonaws.com`,
          'kms:CallerAccount': stage.account,
          // SNS names the topic as encryption context of its data keys.
          'kms:EncryptionContext:aws:sns:topicArn': parameters.TopicArn,
        },
      });
    }
    return { calls, problems: [] };
  },
  cost: { free: "within SNS's free tier at a pipeline's volume" },
  sample: () => ({ MessageId: 'sample-message' }),
  async run({ clients: { sns }, record }, parameters) {
    const message =
      typeof parameters.Message === 'string' ? parameters.Message : JSON.stringify(parameters.Message);
    const subject = typeof parameters.Subject === 'string' ? parameters.Subject : undefined;
    const topicArn = String(parameters.TopicArn);
    const output = await sns.send(
      new PublishCommand({ TopicArn: topicArn, Message: message, Subject: subject }),
    );
    record.published.push({ topicArn, subject, message });
    return { MessageId: output.MessageId };
  },
};
