import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A real Java producer (the kafka-clients jar the broker ships) for tests: it writes what a JSON
 * spec says so a table can be checked against data it did not write itself.
 *
 * stdin, first line: {"bootstrap": "host:port", "config": {...extra producer configs},
 *   "jobs": [{"topic", "compression": none|gzip|snappy|lz4|zstd, "idempotence": bool,
 *             "transactionalId": string?, "config": {...}, "steps": [{"records": [{"key",
 *             "value" (null = tombstone), "headers": {name: value} or [[name, value|null]],
 *             "partition", "timestamp" (ms; default: now)}],
 *             "end": "flush" | "commit" | "abort" | "open"}]}]}
 * Each step is one flush (so at least one batch) and, with a transactional id, one transaction.
 * "open" begins the transaction, sends, flushes, prints {"event":"open","job":n,"step":m} and
 * waits for a stdin line "commit" or "abort". At the end it prints {"event":"done"}.
 */
public class JavaProducer {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    BufferedReader stdin =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    JsonNode spec = JSON.readTree(stdin.readLine());
    int jobIndex = 0;
    for (JsonNode job : spec.get("jobs")) {
      runJob(spec, job, jobIndex++, stdin);
    }
    emit("{\"event\":\"done\"}");
  }

  private static void runJob(JsonNode spec, JsonNode job, int jobIndex, BufferedReader stdin)
      throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, spec.get("bootstrap").asText());
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, job.path("compression").asText("none"));
    props.put(
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
        String.valueOf(job.path("idempotence").asBoolean(true)));
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    // A whole step goes out as few, large batches, as a busy producer would send them.
    props.put(ProducerConfig.LINGER_MS_CONFIG, "1000");
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
    String transactionalId = job.path("transactionalId").asText(null);
    if (transactionalId != null) {
      props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    }
    putAll(props, spec.path("config"));
    putAll(props, job.path("config"));
    String topic = job.get("topic").asText();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
      if (transactionalId != null) producer.initTransactions();
      int stepIndex = 0;
      for (JsonNode step : job.get("steps")) {
        String end = step.path("end").asText(transactionalId != null ? "commit" : "flush");
        boolean transactional = !end.equals("flush");
        if (transactional) producer.beginTransaction();
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (JsonNode record : step.get("records")) sent.add(producer.send(toRecord(topic, record)));
        producer.flush();
        // flush() does not throw for a record the broker refused (a timestamp out of range,
        // say): its future does, and the run must fail rather than leave a gap in the data.
        for (Future<RecordMetadata> future : sent) future.get();
        if (end.equals("open")) {
          emit(
              "{\"event\":\"open\",\"job\":" + jobIndex + ",\"step\":" + stepIndex + "}");
          String line = stdin.readLine();
          end = line == null ? "abort" : line.trim();
        }
        if (end.equals("commit")) producer.commitTransaction();
        else if (end.equals("abort")) producer.abortTransaction();
        else if (transactional) throw new IllegalArgumentException("unknown end " + end);
        stepIndex++;
      }
    }
  }

  private static ProducerRecord<byte[], byte[]> toRecord(String topic, JsonNode record) {
    byte[] key = record.path("key").isNull() || record.path("key").isMissingNode()
        ? null
        : record.get("key").asText().getBytes(StandardCharsets.UTF_8);
    byte[] value = record.path("value").isNull() || record.path("value").isMissingNode()
        ? null
        : record.get("value").asText().getBytes(StandardCharsets.UTF_8);
    Integer partition = record.has("partition") ? record.get("partition").asInt() : null;
    Long timestamp = record.has("timestamp") ? record.get("timestamp").asLong() : null;
    ProducerRecord<byte[], byte[]> out =
        new ProducerRecord<>(topic, partition, timestamp, key, value);
    JsonNode headers = record.path("headers");
    if (headers.isArray()) {
      // [[name, value | null], ...]: repeated names and null values, in this order.
      for (JsonNode header : headers) {
        JsonNode headerValue = header.get(1);
        out.headers()
            .add(
                header.get(0).asText(),
                headerValue == null || headerValue.isNull()
                    ? null
                    : headerValue.asText().getBytes(StandardCharsets.UTF_8));
      }
      return out;
    }
    for (Map.Entry<String, JsonNode> header : headers.properties()) {
      out.headers()
          .add(header.getKey(), header.getValue().asText().getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }

  private static void putAll(Properties props, JsonNode config) {
    for (Map.Entry<String, JsonNode> field : config.properties()) {
      props.put(field.getKey(), field.getValue().asText());
    }
  }

  private static void emit(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
