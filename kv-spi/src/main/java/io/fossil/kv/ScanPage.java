package io.fossil.kv;

import java.util.List;
import java.util.Optional;

/**
 * One page of a scan: its entries in scan order, and the part of the range still to read ({@code
 * rest}), empty when the range is exhausted. Feeding {@code rest} to the next {@link KvStore#scan}
 * call with the same direction continues exactly after the last entry.
 */
public record ScanPage(List<KeyValue> entries, Optional<KeyRange> rest) {

  public ScanPage {
    entries = List.copyOf(entries);
  }

  /**
   * Builds the page a backend returns after reading {@code entries} from {@code range}; {@code
   * mayHaveMore} is whether the backend stopped because of the limit.
   */
  public static ScanPage of(
      KeyRange range, List<KeyValue> entries, boolean reverse, boolean mayHaveMore) {
    if (!mayHaveMore || entries.isEmpty()) {
      return new ScanPage(entries, Optional.empty());
    }
    byte[] last = entries.get(entries.size() - 1).key();
    KeyRange rest = reverse ? range.before(last) : range.after(last);
    return new ScanPage(entries, rest.isEmpty() ? Optional.empty() : Optional.of(rest));
  }
}
