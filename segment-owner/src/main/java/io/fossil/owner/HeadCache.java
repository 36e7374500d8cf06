package io.fossil.owner;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The last committed position of the streams an appender wrote recently, at most {@code capacity}
 * of them; when full, the stream cached longest ago goes first (insertion order, not access order).
 *
 * <p>Built for a million streams on the append path: a read changes nothing, and updating a cached
 * stream stores one {@code long} in place, so a hit allocates nothing and gives the garbage
 * collector no reference store to track. An access-ordered map relinked an old entry on every read
 * and boxed a new value on every write, which showed up as extra collector threads' CPU at a
 * million streams. Not thread-safe: the appender's lock guards it.
 */
final class HeadCache {

  /** What {@link #get} returns for a stream it does not hold. */
  static final long UNKNOWN = Long.MIN_VALUE;

  private static final class Head {
    long position;

    Head(long position) {
      this.position = position;
    }
  }

  private final LinkedHashMap<String, Head> heads;

  HeadCache(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("a head cache holds at least one stream, not " + capacity);
    }
    this.heads =
        new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, false) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Head> eldest) {
            return size() > capacity;
          }
        };
  }

  /** The stream's cached last position, or {@link #UNKNOWN}. */
  long get(String stream) {
    Head h = heads.get(stream);
    return h == null ? UNKNOWN : h.position;
  }

  void put(String stream, long position) {
    Head h = heads.get(stream);
    if (h == null) {
      heads.put(stream, new Head(position));
    } else {
      h.position = position;
    }
  }

  void remove(String stream) {
    heads.remove(stream);
  }

  int size() {
    return heads.size();
  }
}
