package dev.history.ops;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/** The live members of a consumer group, as "client-id@host (member-id)" for messages. */
final class ActiveMembers {
    private ActiveMembers() {}

    static List<String> of(Admin admin, String groupId) {
        try {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(groupId))
                    .describedGroups().get(groupId).get(30, TimeUnit.SECONDS);
            return group.members().stream()
                    .map(m -> m.clientId() + "@" + m.host().replaceFirst("^/", "") + " (" + m.consumerId() + ")")
                    .sorted().toList();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) return List.of();
            throw new OpsException("cannot describe consumer group " + groupId + ": " + e.getCause(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OpsException("interrupted", e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new OpsException("timed out describing consumer group " + groupId, e);
        }
    }
}
