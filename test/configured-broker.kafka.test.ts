import { afterAll, beforeAll } from 'vitest';
import { logCleaningSuite } from './log-cleaning.suite.js';
import { compileJavaProducer } from './producers/java-producer.js';
import { securedClusterSuite } from './secured-cluster.suite.js';
import { type SecuredKafka, startSecuredKafka } from './secured-kafka.js';
import { streamCleaningSuite } from './stream-cleaning.suite.js';

// Tests that need a broker set up unlike the shared one share one broker of their own: a
// broker JVM takes 10-25 s to start here, so one instead of two. It has a SASL_SSL listener
// with its own CA, and a log cleaner that looks for work every 100 ms instead of every 15 s;
// its data dir is ours to inspect.

let cluster: SecuredKafka | undefined;
beforeAll(async () => {
  [cluster] = await Promise.all([
    startSecuredKafka({ 'log.cleaner.backoff.ms': '100' }),
    compileJavaProducer(),
  ]);
});
afterAll(() => cluster?.stop());

const started = (): SecuredKafka => {
  if (!cluster) throw new Error('the configured broker did not start');
  return cluster;
};

securedClusterSuite(started);
logCleaningSuite(() => started().broker);
streamCleaningSuite(() => started().broker);
