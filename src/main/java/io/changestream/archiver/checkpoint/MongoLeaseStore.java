package io.changestream.archiver.checkpoint;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Updates;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * Collection leases and instance heartbeats in the tracker collection, next to the checkpoints
 * ({@link MongoCheckpointStore}):
 *
 * <pre>
 * { _id: "lease:&lt;collection&gt;", type: "lease", collection, owner, epoch, expiresAt, renewedAt, acquiredAt,
 *   releasedAt }
 * { _id: "instance:&lt;INSTANCE_ID&gt;", type: "instance", instance, expiresAt, renewedAt }
 * </pre>
 *
 * <h2>Protocol</h2>
 * <ul>
 *   <li><b>Acquire</b> is one conditional {@code findOneAndUpdate} with upsert: it matches only a lease that is
 *       free (never written, expired, or released) or already the caller's, and increments {@code epoch}. When the
 *       lease is live and someone else's, the filter matches nothing and the upsert's insert collides on
 *       {@code _id}: the duplicate-key error means "taken", so two instances can never both succeed.</li>
 *   <li><b>Renew</b> updates {@code expiresAt} only where owner and epoch are still the caller's. No match means
 *       the lease was taken over.</li>
 *   <li><b>Release</b> (graceful shutdown, rebalancing) sets {@code expiresAt} to the epoch of time, so any
 *       instance may acquire it at its next round without waiting for the TTL.</li>
 *   <li><b>Heartbeats</b> say which instances are alive, including those that hold nothing yet, so the fair share
 *       counts them.</li>
 * </ul>
 * Times are the caller's clock. Expiry only decides when others may <i>try</i> to take over; it is not what keeps
 * two writers apart. That is the epoch, which every checkpoint write is conditional on
 * ({@link CheckpointStore#claim}), so clock skew can move a takeover earlier or later but never let a former
 * owner commit.
 * Writes use majority write concern, like the checkpoints: an acquisition a failover rolled back could hand out
 * one epoch twice.
 */
public final class MongoLeaseStore implements LeaseStore {
    private static final String TYPE = "type";
    private static final String OWNER = "owner";
    private static final String EPOCH = "epoch";
    private static final String EXPIRES_AT = "expiresAt";
    private static final String RENEWED_AT = "renewedAt";

    private final MongoCollection<Document> tracker;

    public MongoLeaseStore(MongoClient client, String database, String collection) {
        this.tracker = client.getDatabase(database).getCollection(collection)
                .withWriteConcern(com.mongodb.WriteConcern.MAJORITY);
    }

    @Override
    public Optional<Lease> acquire(String collection, String owner, Instant now, Duration ttl) {
        Bson filter = Filters.and(Filters.eq("_id", leaseId(collection)),
                Filters.or(Filters.eq(OWNER, owner), Filters.lte(EXPIRES_AT, Date.from(now)),
                        Filters.exists(EXPIRES_AT, false)));
        Bson update = Updates.combine(Updates.set(TYPE, "lease"), Updates.set("collection", collection),
                Updates.set(OWNER, owner), Updates.set(EXPIRES_AT, Date.from(now.plus(ttl))),
                Updates.set(RENEWED_AT, Date.from(now)), Updates.set("acquiredAt", Date.from(now)),
                Updates.inc(EPOCH, 1L));
        try {
            Document d = tracker.findOneAndUpdate(filter, update,
                    new FindOneAndUpdateOptions().upsert(true).returnDocument(ReturnDocument.AFTER));
            return Optional.ofNullable(d).map(MongoLeaseStore::lease);
        } catch (MongoCommandException | MongoWriteException e) {
            if (duplicateKey(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public Optional<Lease> renew(Lease lease, Instant now, Duration ttl) {
        Instant expiresAt = now.plus(ttl);
        long matched = tracker.updateOne(mine(lease), Updates.combine(
                Updates.set(EXPIRES_AT, Date.from(expiresAt)), Updates.set(RENEWED_AT, Date.from(now))))
                .getMatchedCount();
        return matched == 1 ? Optional.of(lease.renewed(now, expiresAt)) : Optional.empty();
    }

    @Override
    public boolean release(Lease lease, Instant now) {
        return tracker.updateOne(mine(lease), Updates.combine(Updates.set(EXPIRES_AT, new Date(0)),
                Updates.set("releasedAt", Date.from(now)))).getMatchedCount() == 1;
    }

    @Override
    public List<Lease> leases(Collection<String> collections) {
        List<Lease> out = new ArrayList<>();
        Bson filter = Filters.and(Filters.eq(TYPE, "lease"), Filters.in("collection", collections));
        for (Document d : tracker.find(filter)) {
            out.add(lease(d));
        }
        return out;
    }

    @Override
    public void heartbeat(String instance, Instant now, Duration ttl) {
        Document doc = new Document("_id", instanceId(instance)).append(TYPE, "instance").append("instance", instance)
                .append(EXPIRES_AT, Date.from(now.plus(ttl))).append(RENEWED_AT, Date.from(now));
        tracker.replaceOne(Filters.eq("_id", doc.get("_id")), doc, new ReplaceOptions().upsert(true));
    }

    @Override
    public Set<String> liveInstances(Instant now) {
        Set<String> out = new LinkedHashSet<>();
        Bson filter = Filters.and(Filters.eq(TYPE, "instance"), Filters.gt(EXPIRES_AT, Date.from(now)));
        for (Document d : tracker.find(filter).sort(new Document("instance", 1))) {
            out.add(d.getString("instance"));
        }
        return out;
    }

    @Override
    public void withdraw(String instance) {
        tracker.deleteOne(Filters.eq("_id", instanceId(instance)));
    }

    @Override
    public void forgetInstancesExpiredBefore(Instant cutoff) {
        tracker.deleteMany(Filters.and(Filters.eq(TYPE, "instance"), Filters.lt(EXPIRES_AT, Date.from(cutoff))));
    }

    private static Bson mine(Lease lease) {
        return Filters.and(Filters.eq("_id", leaseId(lease.collection())), Filters.eq(OWNER, lease.owner()),
                Filters.eq(EPOCH, lease.epoch()));
    }

    private static Lease lease(Document d) {
        Object epoch = d.get(EPOCH);
        return new Lease(d.getString("collection"), d.getString(OWNER),
                epoch instanceof Number n ? n.longValue() : 1L, d.getDate(EXPIRES_AT).toInstant(),
                d.getDate(RENEWED_AT).toInstant());
    }

    private static String leaseId(String collection) {
        return "lease:" + collection;
    }

    private static String instanceId(String instance) {
        return "instance:" + instance;
    }

    /** True when a write failed because its upsert met a document its filter excluded. */
    static boolean duplicateKey(RuntimeException e) {
        return (e instanceof MongoWriteException w && w.getError().getCategory() == ErrorCategory.DUPLICATE_KEY)
                || (e instanceof MongoCommandException c
                        && ErrorCategory.fromErrorCode(c.getErrorCode()) == ErrorCategory.DUPLICATE_KEY);
    }
}
