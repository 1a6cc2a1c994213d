package dev.history.fulfillment;

/**
 * One attempt this instance holds, from reading its record until its outcome is committed or it is
 * dropped. {@code epoch} is the assignment of the record's partition it was read under: when the
 * partition moves (even back to this instance), older work is stale and its outcome is not written, so
 * only the current owner's reading of the record decides. Identity, not value, equality on purpose: a
 * record read twice gives two different pieces of work.
 */
final class Work {
    final Job job;
    final int epoch;

    Work(Job job, int epoch) {
        this.job = job;
        this.epoch = epoch;
    }

    /** Orders the attempts of a request across chains: generation first, then attempt. */
    long step() {
        return ((long) job.generation() << 32) | job.attempt();
    }
}
