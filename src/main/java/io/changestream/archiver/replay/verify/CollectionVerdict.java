package io.changestream.archiver.replay.verify;

import java.util.List;

/**
 * What verify found for one collection.
 *
 * @param collection the collection
 * @param files      archive files in the store
 * @param ranges     flush log entries
 * @param events     events the flush log accounts for
 * @param bytes      bytes the flush log accounts for
 * @param findings   everything found, problems first in the order met
 * @param omittedProblems problems found beyond the ones kept (a damaged file can yield one per line)
 */
public record CollectionVerdict(String collection, int files, int ranges, long events, long bytes,
                                List<Finding> findings, int omittedProblems) {
    public CollectionVerdict {
        findings = List.copyOf(findings);
    }

    public boolean consistent() {
        return omittedProblems == 0 && findings.stream().noneMatch(f -> f.severity() == Finding.Severity.PROBLEM);
    }

    public long count(Finding.Severity severity) {
        long kept = findings.stream().filter(f -> f.severity() == severity).count();
        return severity == Finding.Severity.PROBLEM ? kept + omittedProblems : kept;
    }
}
