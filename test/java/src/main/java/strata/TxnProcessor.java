package strata;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A consume-transform-produce loop with exactly-once semantics: read INPUT (read_committed,
 * group GROUP), write "out:" + value to OUTPUT and the consumed offsets in the same
 * transaction. Any failure (the broker killed under it) closes both clients and starts
 * again from the committed offsets with the same transactional id, as applications do.
 * Exits once it has committed EXPECTED records' worth of input offsets in total, or after
 * DEADLINE_MS. Prints "committed N" after each commit and "restart Reason" on each restart.
 * Usage: java -cp ... strata.TxnProcessor BROKER INPUT OUTPUT GROUP TXN_ID EXPECTED DEADLINE_MS
 */
public final class TxnProcessor {
  public static void main(String[] args) throws Exception {
    String broker = args[0];
    String input = args[1];
    String output = args[2];
    String group = args[3];
    String txnId = args[4];
    long expected = Long.parseLong(args[5]);
    long deadline = System.currentTimeMillis() + Long.parseLong(args[6]);
    while (System.currentTimeMillis() < deadline) {
      Properties cp = new Properties();
      cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker);
      cp.put(ConsumerConfig.GROUP_ID_CONFIG, group);
      cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      cp.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "50");
      cp.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
      cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
      cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
      Properties pp = new Properties();
      pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker);
      pp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txnId);
      pp.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "10000");
      pp.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
      pp.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "10000");
      pp.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
      pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
      pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
      KafkaConsumer<String, String> consumer = null;
      KafkaProducer<String, String> producer = null;
      try {
        consumer = new KafkaConsumer<>(cp);
        producer = new KafkaProducer<>(pp);
        producer.initTransactions();
        consumer.subscribe(List.of(input));
        while (System.currentTimeMillis() < deadline) {
          if (committedTotal(consumer, input) >= expected) {
            System.out.println("done");
            return;
          }
          ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
          if (records.isEmpty()) continue;
          producer.beginTransaction();
          Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
          for (ConsumerRecord<String, String> r : records) {
            producer.send(new ProducerRecord<>(output, r.key(), "out:" + r.value()));
            offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
          }
          producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
          producer.commitTransaction();
          System.out.println("committed " + records.count());
        }
      } catch (Exception e) {
        System.out.println("restart " + e.getClass().getSimpleName());
        Thread.sleep(500);
      } finally {
        try {
          if (producer != null) producer.close(Duration.ofSeconds(2));
        } catch (Exception ignored) {
          // closing after a failure may fail too
        }
        try {
          if (consumer != null) consumer.close(Duration.ofSeconds(2));
        } catch (Exception ignored) {
          // closing after a failure may fail too
        }
      }
    }
    System.out.println("deadline");
    System.exit(2);
  }

  /** The group's committed offsets over the topic's partitions (each offset counts the records before it). */
  static long committedTotal(KafkaConsumer<String, String> consumer, String topic) {
    var parts = consumer.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).collect(java.util.stream.Collectors.toSet());
    long total = 0;
    for (OffsetAndMetadata o : consumer.committed(parts).values()) if (o != null) total += o.offset();
    return total;
  }
}
