package dev.history.common;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;

/**
 * Answers "can this service reach the cluster and its topics?" for readiness probes. The answer is
 * cached for a second so a busy probe does not turn into a metadata storm.
 */
public final class KafkaHealth implements AutoCloseable {
    private final Admin admin;
    private final List<String> topics;
    private final long timeoutMillis;
    private volatile long checkedAt;
    private volatile boolean lastAnswer;

    public KafkaHealth(KafkaSettings settings, List<String> topics) {
        this.admin = Admin.create(settings.common("health"));
        this.topics = List.copyOf(topics);
        this.timeoutMillis = Math.min(2000, settings.requestTimeout().toMillis());
    }

    public boolean topicsReachable() {
        long now = System.currentTimeMillis();
        if (now - checkedAt < 1000) return lastAnswer;
        boolean answer;
        try {
            admin.describeTopics(topics).allTopicNames().get(timeoutMillis, TimeUnit.MILLISECONDS);
            answer = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            answer = false;
        } catch (Exception e) {
            answer = false;
        }
        lastAnswer = answer;
        checkedAt = now;
        return answer;
    }

    @Override
    public void close() {
        admin.close();
    }
}
