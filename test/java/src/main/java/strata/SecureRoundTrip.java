package strata;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Java client over a secured listener. Two commands:
 *   roundtrip BROKER TOPIC COUNT key=value...   produce COUNT records, read them back, print "OK n"
 *   add-user BROKER USER PASSWORD MECHANISM key=value...   AlterUserScramCredentials (what kafka-configs sends), print "OK"
 *   trickle BROKER TOPIC SECONDS key=value...   one acknowledged record every 100 ms for SECONDS on one
 *                                               producer (its connection outlives a short SASL session), print "OK n"
 * The key=value pairs are client settings (security.protocol, sasl.*, ssl.*).
 */
public final class SecureRoundTrip {
  public static void main(String[] args) throws Exception {
    Properties common = new Properties();
    common.put("bootstrap.servers", args[1]);
    int first = args[0].equals("add-user") ? 5 : 4;
    for (int i = first; i < args.length; i++) {
      int at = args[i].indexOf('=');
      common.put(args[i].substring(0, at), args[i].substring(at + 1));
    }
    if (args[0].equals("add-user")) {
      try (Admin admin = Admin.create(common)) {
        ScramMechanism m = ScramMechanism.fromMechanismName(args[4]);
        admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(args[2], new ScramCredentialInfo(m, 8192), args[3]))).all().get();
        Map<String, ?> users = admin.describeUserScramCredentials(List.of(args[2])).all().get();
        System.out.println(users.containsKey(args[2]) ? "OK" : "MISSING");
      }
      return;
    }
    String topic = args[2];
    if (args[0].equals("trickle")) {
      Properties p = new Properties();
      p.putAll(common);
      p.put("key.serializer", StringSerializer.class.getName());
      p.put("value.serializer", StringSerializer.class.getName());
      p.put("acks", "all");
      int sent = 0;
      long end = System.currentTimeMillis() + Long.parseLong(args[3]) * 1000;
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
        while (System.currentTimeMillis() < end) {
          producer.send(new ProducerRecord<>(topic, 0, null, "tick-" + sent)).get();
          sent++;
          Thread.sleep(100);
        }
      }
      System.out.println("OK " + sent);
      return;
    }
    int count = Integer.parseInt(args[3]);
    Properties p = new Properties();
    p.putAll(common);
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    p.put("acks", "all");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      for (int i = 0; i < count; i++) producer.send(new ProducerRecord<>(topic, 0, null, "java-" + i));
      producer.flush();
    }
    Properties c = new Properties();
    c.putAll(common);
    c.put("key.deserializer", StringDeserializer.class.getName());
    c.put("value.deserializer", StringDeserializer.class.getName());
    List<String> seen = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.currentTimeMillis() + 30_000;
      while (seen.size() < count && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) seen.add(r.value());
      }
    }
    for (int i = 0; i < count; i++) {
      if (!seen.get(i).equals("java-" + i)) throw new IllegalStateException("record " + i + " is " + seen.get(i));
    }
    System.out.println("OK " + seen.size());
  }
}
