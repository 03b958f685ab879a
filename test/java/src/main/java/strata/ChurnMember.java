package strata;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * One Java member of the churn test's group: prints every record it consumes as
 * "partition offset value" (flushed before the offsets are committed), commits after each
 * poll, and leaves the group cleanly on SIGTERM (wakeup, final commit, close).
 * Usage: java -cp ... strata.ChurnMember BROKER GROUP TOPIC range|cooperative-sticky|consumer-uniform|consumer-range
 * (consumer-*: group.protocol=consumer, KIP-848, with that server-side assignor)
 */
public final class ChurnMember {
  public static void main(String[] args) throws InterruptedException {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, args[1]);
    if (args[3].startsWith("consumer-")) {
      // KIP-848: the broker assigns (uniform or range); session and heartbeat are the broker's settings.
      p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
      p.put(ConsumerConfig.GROUP_REMOTE_ASSIGNOR_CONFIG, args[3].substring("consumer-".length()));
    } else {
      p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
      p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
          args[3].equals("cooperative-sticky")
              ? "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"
              : "org.apache.kafka.clients.consumer.RangeAssignor");
      p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
      p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "1000");
    }
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, "10000");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p);
    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      consumer.wakeup();
      try {
        closed.await();
      } catch (InterruptedException ignored) {
        Thread.currentThread().interrupt();
      }
    }));
    try {
      consumer.subscribe(List.of(args[2]));
      while (true) {
        var records = consumer.poll(Duration.ofMillis(500));
        if (records.isEmpty()) continue;
        StringBuilder out = new StringBuilder();
        for (ConsumerRecord<String, String> r : records) {
          out.append(r.partition()).append(' ').append(r.offset()).append(' ').append(r.value()).append('\n');
        }
        System.out.print(out);
        System.out.flush();
        consumer.commitSync();
      }
    } catch (WakeupException stopping) {
      // SIGTERM: the wakeup may have interrupted the commit of records already printed, so
      // commit the positions once more (promised by the class comment), then leave below.
      try {
        consumer.commitSync();
      } catch (RuntimeException lost) {
        System.err.println("final commit failed: " + lost);
      }
    } finally {
      consumer.close();
      closed.countDown();
    }
  }
}
