package strata;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.ArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Java client against a Strata cluster:
 *   produce BROKERS TOPIC PREFIX COUNT   idempotent, acks=all, keyed over every partition; prints "OK n"
 *   consume BROKERS TOPIC GROUP COUNT [RESET]   a group member reading until COUNT distinct values
 *                                        arrived (or 60 s), committing as it goes; prints "OK distinct
 *                                        total". RESET is auto.offset.reset (earliest): with "none",
 *                                        resuming from committed offsets whose leader epoch is older than
 *                                        the partition's (its leader moved) must pass the client's
 *                                        truncation check (OffsetForLeaderEpoch), or the consumer throws.
 */
public final class ClusterCheck {
  public static void main(String[] args) throws Exception {
    String brokers = args[1];
    String topic = args[2];
    int count = Integer.parseInt(args[4]);
    if (args[0].equals("produce")) {
      Properties p = new Properties();
      p.put("bootstrap.servers", brokers);
      p.put("key.serializer", StringSerializer.class.getName());
      p.put("value.serializer", StringSerializer.class.getName());
      p.put("acks", "all");
      p.put("enable.idempotence", "true");
      p.put("linger.ms", "5");
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) sent.add(producer.send(new ProducerRecord<>(topic, "k" + i, args[3] + i)));
        for (Future<RecordMetadata> f : sent) f.get();
      }
      System.out.println("OK " + count);
      return;
    }
    Properties c = new Properties();
    c.put("bootstrap.servers", brokers);
    c.put("group.id", args[3]);
    c.put("key.deserializer", StringDeserializer.class.getName());
    c.put("value.deserializer", StringDeserializer.class.getName());
    c.put("auto.offset.reset", args.length > 5 ? args[5] : "earliest");
    c.put("enable.auto.commit", "false");
    Set<String> seen = new HashSet<>();
    int total = 0;
    long end = System.currentTimeMillis() + 60_000;
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
      consumer.subscribe(List.of(topic));
      while (seen.size() < count && System.currentTimeMillis() < end) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
          seen.add(r.value());
          total++;
        }
        consumer.commitSync();
      }
    }
    System.out.println("OK " + seen.size() + " " + total);
  }
}
