package strata;

import java.util.Arrays;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produce throughput, transactional against idempotent, with the same client and settings.
 *   idempotent: RECORDS records (acks=all, idempotence on), one flush at the end.
 *   txn: the same records in transactions of TXN_SIZE; each commit timed after a flush, so
 *        the time is the EndTxn round trip (markers written) and not the sends before it.
 * Prints one line: "mode records seconds recordsPerSecond commitP50Ms commitP99Ms".
 * Usage: java -cp ... strata.TxnBench BROKER TOPIC idempotent|txn RECORDS RECORD_BYTES [TXN_SIZE]
 */
public final class TxnBench {
  public static void main(String[] args) throws Exception {
    String broker = args[0];
    String topic = args[1];
    boolean txn = args[2].equals("txn");
    int records = Integer.parseInt(args[3]);
    byte[] value = new byte[Integer.parseInt(args[4])];
    Arrays.fill(value, (byte) 'x');
    int txnSize = txn ? Integer.parseInt(args[5]) : records;
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, "65536");
    if (txn) p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-" + topic + "-" + System.nanoTime());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      if (txn) producer.initTransactions();
      // Warm up: connections, metadata, the first transaction.
      if (txn) producer.beginTransaction();
      for (int i = 0; i < 1000; i++) producer.send(new ProducerRecord<>(topic, value));
      if (txn) producer.commitTransaction();
      else producer.flush();
      long[] commits = new long[(records + txnSize - 1) / txnSize];
      int n = 0;
      long start = System.nanoTime();
      for (int sent = 0; sent < records; ) {
        if (txn) producer.beginTransaction();
        int end = Math.min(records, sent + txnSize);
        for (; sent < end; sent++) producer.send(new ProducerRecord<>(topic, value));
        if (txn) {
          producer.flush();
          long t0 = System.nanoTime();
          producer.commitTransaction();
          commits[n++] = System.nanoTime() - t0;
        }
      }
      producer.flush();
      double seconds = (System.nanoTime() - start) / 1e9;
      long[] done = Arrays.copyOf(commits, n);
      Arrays.sort(done);
      double p50 = n == 0 ? -1 : done[(int) Math.floor(0.5 * (n - 1))] / 1e6;
      double p99 = n == 0 ? -1 : done[(int) Math.floor(0.99 * (n - 1))] / 1e6;
      System.out.printf("%s %d %.3f %.0f %.2f %.2f%n", txn ? "txn-" + txnSize : "idempotent", records, seconds, records / seconds, p50, p99);
    }
  }
}
