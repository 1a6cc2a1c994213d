package dev.history.bench;

import dev.history.common.Env;
import dev.history.common.HistoryCommand;
import dev.history.common.HistoryEvent;
import dev.history.common.Ids;
import dev.history.common.JsonSerde;
import dev.history.common.Timestamps;
import dev.history.common.Topics;
import dev.history.common.privacy.CustomerKeys;
import dev.history.common.privacy.ErasureSettings;
import dev.history.common.privacy.Gcm;
import dev.history.common.privacy.Privacy;
import dev.history.common.privacy.Pseudonyms;
import dev.history.query.StoreNames;
import dev.history.query.TimelinePage;
import dev.history.query.TimelineQuery;
import dev.history.streams.HistoryTopology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.spec.SecretKeySpec;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The store ceiling of reads: the same 100-event timelines scanned straight from RocksDB in the bench
 * JVM, with the project's own code and format. The timelines are built by the real topology
 * ({@link HistoryTopology#build}, so {@code TimelineProcessor} writes the keys and values) in a
 * {@link TopologyTestDriver} whose {@code timeline} store is the same Kafka Streams persistent RocksDB
 * store (same supplier, same RocksDB options; metered and change-logging wrappers as in the service),
 * on a temporary state directory. The events are what the gateway puts on {@code history-events}:
 * keyed by the customer's pseudonym and with {@code note} and {@code link} sealed (the standalone's
 * erasure secrets, a data key per customer), so every stored value has the real size. After loading,
 * the store is flushed (the data is in SST files, as in a long-running service, not only in the memtable).
 * A scan is {@link TimelineQuery#run} of the whole timeline (the query API's page reader: the reverse
 * range over the customer's key prefix); opening the sealed fields and HTTP are not part of it.
 */
final class StoreCeiling implements AutoCloseable {
    record Run(long scans, long elements, double seconds, Histogram latencyNanos) {
        double scansPerSecond() {
            return scans / seconds;
        }
    }

    private final TopologyTestDriver driver;
    private final KeyValueStore<Bytes, byte[]> timeline;
    private final List<String> customers = new ArrayList<>();
    private final Path stateDir;
    private final int eventsPerCustomer;
    final long storedValueBytes;

    StoreCeiling(int customerCount, int eventsPerCustomer, Path erasureSecrets) throws Exception {
        this.eventsPerCustomer = eventsPerCustomer;
        stateDir = Files.createTempDirectory("bench-store-ceiling-");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench-store-ceiling");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        Topics topics = Topics.from(Env.of(Map.of()));
        driver = new TopologyTestDriver(HistoryTopology.build(topics), props);
        TestInputTopic<String, HistoryCommand> input = driver.createInputTopic(topics.historyEvents(),
                new StringSerializer(), JsonSerde.HISTORY_COMMAND.serializer());
        Pseudonyms pseudonyms = erasureSecrets != null && Files.isRegularFile(erasureSecrets)
                ? ErasureSettings.from(Env.of(Map.of("ERASURE_SECRETS_FILE", erasureSecrets.toString()))).pseudonyms() : null;
        for (int c = 0; c < customerCount; c++) {
            String username = Workload.username("store", c);
            String customer = pseudonyms == null ? username : pseudonyms.customer(username);
            CustomerKeys.DataKey key = new CustomerKeys.DataKey(customer,
                    Base64.getUrlEncoder().withoutPadding().encodeToString(Gcm.randomBytes(16)),
                    new SecretKeySpec(Gcm.randomBytes(32), "AES"));
            customers.add(customer);
            for (int i = 0; i < eventsPerCustomer; i++) {
                long n = (long) c * eventsPerCustomer + i;
                String source = Workload.SOURCES[(int) (n % Workload.SOURCES.length)];
                HistoryEvent event = new HistoryEvent(Ids.next(), Timestamps.now(), "", 1,
                        source.equals("ivr") ? "voice" : "digital", source,
                        Privacy.seal(key, Workload.NOTES[(int) (n % Workload.NOTES.length)]),
                        Privacy.seal(key, "https://crm.example.com/case/" + (1_000_000 + n)));
                input.pipeInput(customer, HistoryCommand.add(customer, event, "gateway"));
            }
        }
        timeline = driver.getKeyValueStore(StoreNames.TIMELINE);
        timeline.flush();
        long bytes = 0;
        for (byte[] value : scan(customers.get(0)).events()) bytes += value.length;
        storedValueBytes = bytes;
    }

    private TimelinePage scan(String customer) {
        TimelinePage page = TimelineQuery.all(customer, 1000).run(timeline);
        if (page.events().size() != eventsPerCustomer) {
            throw new IllegalStateException("scan of " + customer + " found " + page.events().size() + " of " + eventsPerCustomer);
        }
        return page;
    }

    /** {@code threads} threads scan whole timelines (customers in turn) for {@code seconds}. */
    Run run(int threads, double seconds) throws InterruptedException {
        Recorder recorder = new Recorder(3);
        AtomicLong scans = new AtomicLong();
        AtomicLong elements = new AtomicLong();
        AtomicLong next = new AtomicLong();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    int n = scan(customers.get((int) (next.getAndIncrement() % customers.size()))).events().size();
                    recorder.recordValue(System.nanoTime() - t0);
                    scans.incrementAndGet();
                    elements.addAndGet(n);
                }
            }, "store-scan-" + t);
            workers.add(thread);
            thread.start();
        }
        for (Thread thread : workers) thread.join();
        double elapsed = (System.nanoTime() - start) / 1e9;
        return new Run(scans.get(), elements.get(), elapsed, recorder.getIntervalHistogram());
    }

    @Override
    public void close() {
        try {
            driver.close();
        } finally {
            BenchMain.deleteRecursively(stateDir);
        }
    }
}
