package io.fossil.storage;

import io.fossil.kv.KeyRange;
import io.fossil.kv.Keys;
import io.fossil.kv.TupleKey;
import java.util.List;
import java.util.Optional;

/**
 * Every key Fossil writes to the store (ADR 0011), and nothing else writes keys. Keys are tuples
 * ({@link TupleKey}, ADR 0003), so each family below is one contiguous range, and a stream's keys
 * sort by position. Segments are named by their sequence, which is never reused:
 *
 * <pre>
 *   ("seg", seq, "e", counter) → event record, {@link EventRecord} (stream name first, so readers filter without decoding payloads)
 *   ("seg", seq, "seal")       → seal marker, then seal record, {@link SegmentRecords} (present = sealed)
 *   ("seg", seq, "meta")       → owner incarnation, written once, {@link SegmentRecords#ownerClaim}
 *   ("str", stream, position)  → (seq, counter): a reference to the one stored copy, {@link StreamIndex}
 *   ("id", stream, eventId)    → (position, payload hash), {@link StreamIndex#idValue}
 *   ("cur", consumer)          → a consumer's cursor, {@link CursorRecord}
 *   ("cluster")                → (cluster id, highest segment sequence reserved), {@link ClusterRecord}
 *   ("node", nodeId)           → the last incarnation issued to the node id, {@link NodeIncarnation}
 *   ("voter", nodeId)          → the node has had placement Raft storage, {@link VoterRecord} (ADR 29)
 *   ("policy")                 → placement policy fixed at the cluster's first start, {@link PolicyRecord}
 * </pre>
 *
 * <p>These bytes are the format of every store written so far: they never change (the golden test
 * holds them). Stateless and thread-safe. Decoders of keys throw {@link IllegalArgumentException}
 * for bytes that are not a key of the family they decode.
 */
public final class Keyspace {

  private static final String SEGMENTS = "seg";
  private static final String EVENT = "e";
  private static final String SEAL = "seal";
  private static final String META = "meta";
  private static final String STREAM_INDEX = "str";
  private static final String EVENT_IDS = "id";
  private static final String CURSORS = "cur";
  private static final String CLUSTER = "cluster";
  private static final String NODES = "node";
  private static final String VOTER = "voter";
  private static final String POLICY = "policy";

  /** The families of keys, one per row of the table above. */
  public enum Kind {
    EVENT,
    SEAL,
    META,
    STREAM_INDEX,
    EVENT_ID,
    CURSOR,
    CLUSTER,
    NODE,
    VOTER,
    POLICY
  }

  private Keyspace() {}

  // ------------------------------------------------------------------ segments

  public static byte[] eventKey(long seq, long counter) {
    return TupleKey.builder().string(SEGMENTS).int64(seq).string(EVENT).int64(counter).build();
  }

  /** Every event key of segment {@code seq}, in counter order. */
  public static KeyRange eventRange(long seq) {
    return TupleKey.builder().string(SEGMENTS).int64(seq).string(EVENT).range();
  }

  public static byte[] sealKey(long seq) {
    return TupleKey.of(SEGMENTS, seq, SEAL);
  }

  public static byte[] metaKey(long seq) {
    return TupleKey.of(SEGMENTS, seq, META);
  }

  /** Every key of every segment (events, seals, claims), by segment sequence. */
  public static KeyRange segmentsRange() {
    return TupleKey.builder().string(SEGMENTS).range();
  }

  /** The counter of an event key ("seg", seq, "e", counter). */
  public static long counterOfEventKey(byte[] key) {
    List<Object> f = TupleKey.decode(key);
    return (Long) f.get(3);
  }

  /** The segment sequence of any key in {@link #segmentsRange()}. */
  public static long segmentOf(byte[] key) {
    List<Object> f = TupleKey.decode(key);
    if (f.size() < 3 || !SEGMENTS.equals(f.get(0)) || !(f.get(1) instanceof Long seq)) {
      throw new IllegalArgumentException("not a segment key: " + Keys.toString(key));
    }
    return seq;
  }

  // ------------------------------------------------------------------ stream index and event ids

  public static byte[] indexKey(String stream, long position) {
    return TupleKey.of(STREAM_INDEX, stream, position);
  }

  /** Every key of the stream in the stream index. */
  public static KeyRange indexRange(String stream) {
    return TupleKey.builder().string(STREAM_INDEX).string(stream).range();
  }

  /**
   * Every position key of the stream, and nothing else: the same keys as {@link #indexRange}, from
   * the lowest 64-bit position on, so that a store can tell that a scan of it covered one family of
   * keys (the embedded store learns a stream's head from it, ADR 0004).
   */
  public static KeyRange positionRange(String stream) {
    return KeyRange.of(
        indexKey(stream, Long.MIN_VALUE), Keys.successor(indexKey(stream, Long.MAX_VALUE)));
  }

  /** The position of an index key ("str", stream, position). */
  public static long positionOfIndexKey(byte[] key) {
    List<Object> f = TupleKey.decode(key);
    return (Long) f.get(2);
  }

  public static byte[] idKey(String stream, String eventId) {
    return TupleKey.of(EVENT_IDS, stream, eventId);
  }

  // ------------------------------------------------------------------ consumers and the cluster

  /** The key of a consumer's stored cursor. */
  public static byte[] cursorKey(String consumer) {
    return TupleKey.of(CURSORS, consumer);
  }

  /** Every stored consumer cursor, by consumer name. */
  public static KeyRange cursorRange() {
    return TupleKey.builder().string(CURSORS).range();
  }

  /** The consumer name of a key in {@link #cursorRange()}. */
  public static String consumerOfCursorKey(byte[] key) {
    List<Object> f = TupleKey.decode(key);
    if (f.size() != 2 || !CURSORS.equals(f.get(0)) || !(f.get(1) instanceof String name)) {
      throw new IllegalArgumentException("not a cursor key: " + Keys.toString(key));
    }
    return name;
  }

  /** The one key of the cluster record (a new array on each call). */
  public static byte[] clusterKey() {
    return TupleKey.of(CLUSTER);
  }

  /** The key of the last incarnation issued to node {@code nodeId} ({@link NodeIncarnation}). */
  public static byte[] nodeKey(String nodeId) {
    return TupleKey.of(NODES, nodeId);
  }

  /**
   * The key of the record that node {@code nodeId} has had Raft storage for the placement group:
   * written before its voter first starts, so a voter that comes back with none knows it lost it.
   */
  public static byte[] voterKey(String nodeId) {
    return TupleKey.of(VOTER, nodeId);
  }

  /** The one key of the placement policy record (a new array on each call). */
  public static byte[] policyKey() {
    return TupleKey.of(POLICY);
  }

  // ------------------------------------------------------------------ any key

  /**
   * The family of a key, or empty for a tuple that is none of Fossil's keys; throws {@link
   * IllegalArgumentException} for bytes that are not a tuple. For tools and tests, not hot paths.
   */
  public static Optional<Kind> kindOf(byte[] key) {
    List<Object> f = TupleKey.decode(key);
    if (f.isEmpty() || !(f.get(0) instanceof String family)) {
      return Optional.empty();
    }
    Kind kind =
        switch (family) {
          case SEGMENTS -> segmentKind(f);
          case STREAM_INDEX -> shaped(f, String.class, Long.class) ? Kind.STREAM_INDEX : null;
          case EVENT_IDS -> shaped(f, String.class, String.class) ? Kind.EVENT_ID : null;
          case CURSORS -> shaped(f, String.class) ? Kind.CURSOR : null;
          case CLUSTER -> f.size() == 1 ? Kind.CLUSTER : null;
          case NODES -> shaped(f, String.class) ? Kind.NODE : null;
          case VOTER -> shaped(f, String.class) ? Kind.VOTER : null;
          case POLICY -> f.size() == 1 ? Kind.POLICY : null;
          default -> null;
        };
    return Optional.ofNullable(kind);
  }

  private static Kind segmentKind(List<Object> f) {
    if (shaped(f, Long.class, String.class, Long.class) && EVENT.equals(f.get(2))) {
      return Kind.EVENT;
    }
    if (shaped(f, Long.class, String.class)) {
      return SEAL.equals(f.get(2)) ? Kind.SEAL : META.equals(f.get(2)) ? Kind.META : null;
    }
    return null;
  }

  /** Whether the tuple's elements after its family have exactly these types. */
  private static boolean shaped(List<Object> f, Class<?>... types) {
    if (f.size() != types.length + 1) {
      return false;
    }
    for (int i = 0; i < types.length; i++) {
      if (!types[i].isInstance(f.get(i + 1))) {
        return false;
      }
    }
    return true;
  }
}
