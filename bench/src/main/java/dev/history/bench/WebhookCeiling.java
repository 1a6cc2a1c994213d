package dev.history.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The webhook ceiling of fulfillment: the same {@link Sink} (20 ms answer) driven by a plain async JDK
 * {@link HttpClient} (HTTP/1.1, keep-alive) with at most {@code concurrency} calls in flight (the worker's
 * webhook concurrency towards one host), {@code count} POSTs of the body a real delivery carries.
 * deliveries/s = count / (last 200 − first send): what the sink and one HTTP call per delivery allow,
 * with no durable writes.
 */
final class WebhookCeiling {
    record Run(long delivered, long failed, double seconds, double generatorCores) {
        double perSecond() {
            return delivered / seconds;
        }
    }

    private WebhookCeiling() {}

    static Run run(int port, int concurrency, int count, byte[] body, Cpu cpu) throws InterruptedException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hook"))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        // Warm-up (discarded): opens the connections and compiles the client's paths.
        calls(client, request, concurrency, Math.min(count, 2 * concurrency));
        Cpu.Mark mark = cpu.mark();
        long start = System.nanoTime();
        AtomicLong[] result = calls(client, request, concurrency, count);
        double seconds = (result[2].get() - start) / 1e9;
        return new Run(result[0].get(), result[1].get(), seconds, mark.generatorCores());
    }

    /** @return delivered, failed, nanoTime of the last successful answer */
    private static AtomicLong[] calls(HttpClient client, HttpRequest request, int concurrency, int count) throws InterruptedException {
        Semaphore inFlight = new Semaphore(concurrency);
        CountDownLatch done = new CountDownLatch(count);
        AtomicLong delivered = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong last = new AtomicLong(System.nanoTime());
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
                if (error == null && response.statusCode() == 200) {
                    delivered.incrementAndGet();
                    last.accumulateAndGet(System.nanoTime(), Math::max);
                } else {
                    failed.incrementAndGet();
                }
                inFlight.release();
                done.countDown();
            });
        }
        if (!done.await(300, TimeUnit.SECONDS)) throw new IllegalStateException("webhook calls did not finish in 300 s");
        return new AtomicLong[] {delivered, failed, last};
    }
}
