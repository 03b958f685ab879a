package strata;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Transactions with the Java client. Prints one line per finding; the test checks them.
 *   commit-abort BROKER TOPIC_A TOPIC_B: three transactions over and B-0 (commit,
 *     abort, commit), then every record of both topics read with read_committed
 *     ("RC value") and with read_uncommitted ("RU value").
 *   fence BROKER TOPIC: a second producer with the same transactional id fences the first
 *     mid-transaction ("fenced ExceptionClass"); only the second one's records are committed.
 */
public final class TxnCheck {
  static KafkaProducer<String, String> producer(String broker, String txnId) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txnId);
    p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "30000");
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    return new KafkaProducer<>(p);
  }

  /** Every record of the partitions from the beginning up to their end offsets, with the given isolation. */
  static List<String> readAll(String broker, String isolation, List<TopicPartition> partitions) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
      c.assign(partitions);
      c.seekToBeginning(partitions);
      var end = c.endOffsets(partitions);
      long deadline = System.currentTimeMillis() + 20_000;
      while (System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(300))) out.add(r.value());
        boolean done = true;
        for (TopicPartition tp : partitions) if (c.position(tp) < end.get(tp)) done = false;
        if (done) break;
      }
    }
    return out;
  }

  static void send(KafkaProducer<String, String> p, String topic, int partition, String value) throws Exception {
    p.send(new ProducerRecord<>(topic, partition, value, value)).get();
  }

  public static void main(String[] args) throws Exception {
    String broker = args[1];
    switch (args[0]) {
      case "commit-abort": {
        String a = args[2];
        String b = args[3];
        try (KafkaProducer<String, String> p = producer(broker, "txn-check-" + a)) {
          p.initTransactions();
          String[] outcome = {"commit", "abort", "commit"};
          for (int t = 0; t < 3; t++) {
            p.beginTransaction();
            for (int i = 0; i < 5; i++) {
              send(p, a, 0, "t" + t + "-a0-" + i);
              send(p, a, 1, "t" + t + "-a1-" + i);
              send(p, b, 0, "t" + t + "-b0-" + i);
            }
            if (outcome[t].equals("commit")) p.commitTransaction();
            else p.abortTransaction();
            System.out.println("ended t" + t + " " + outcome[t]);
          }
        }
        List<TopicPartition> all = List.of(new TopicPartition(a, 0), new TopicPartition(a, 1), new TopicPartition(b, 0));
        for (String v : readAll(broker, "read_committed", all)) System.out.println("RC " + v);
        for (String v : readAll(broker, "read_uncommitted", all)) System.out.println("RU " + v);
        break;
      }
      case "fence": {
        String topic = args[2];
        KafkaProducer<String, String> first = producer(broker, "txn-fence-" + topic);
        first.initTransactions();
        first.beginTransaction();
        send(first, topic, 0, "zombie-1");
        try (KafkaProducer<String, String> second = producer(broker, "txn-fence-" + topic)) {
          second.initTransactions();
          try {
            send(first, topic, 0, "zombie-2");
            first.commitTransaction();
            System.out.println("not fenced");
          } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            System.out.println("fenced " + cause.getClass().getSimpleName());
          }
          try {
            first.close(Duration.ofSeconds(5));
          } catch (Exception ignored) {
            // a fenced producer may fail to close cleanly
          }
          second.beginTransaction();
          send(second, topic, 0, "live-1");
          second.commitTransaction();
        }
        for (String v : readAll(broker, "read_committed", List.of(new TopicPartition(topic, 0)))) System.out.println("RC " + v);
        break;
      }
      default:
        throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }
}
