package io.fossil.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Event records keep their bytes: stores written by earlier versions must still decode. */
class EventRecordTest {

  private static final String CHARS = "az09/-_.\u0000\u00e9\u07ff\u0800\u20ac\ud83d\ude00";

  @Test
  void recordsAreTheBytesADataOutputStreamWritesAndDecodeBack() throws IOException {
    SplittableRandom random = new SplittableRandom(20261121);
    for (int i = 0; i < 2_000; i++) {
      byte[] data = new byte[random.nextInt(0, 500)];
      byte[] metadata = new byte[random.nextInt(0, 3) == 0 ? 0 : random.nextInt(1, 50)];
      random.nextBytes(data);
      random.nextBytes(metadata);
      StoredEvent event =
          new StoredEvent(
              text(random, 1),
              random.nextLong(0, Long.MAX_VALUE),
              random.nextBoolean() ? null : text(random, 1),
              text(random, 1),
              data,
              metadata,
              random.nextLong());

      byte[] record = EventRecord.encode(event);

      assertThat(record).isEqualTo(writtenByDataOutputStream(event));
      StoredEvent decoded = EventRecord.decode(record);
      assertThat(decoded.stream()).isEqualTo(event.stream());
      assertThat(decoded.id()).isEqualTo(event.id());
      assertThat(decoded.type()).isEqualTo(event.type());
      assertThat(decoded.position()).isEqualTo(event.position());
      assertThat(decoded.time()).isEqualTo(event.time());
      assertThat(decoded.data()).isEqualTo(event.data());
      assertThat(decoded.metadata()).isEqualTo(event.metadata());
      assertThat(EventRecord.streamOf(record)).isEqualTo(event.stream());
    }
  }

  private static String text(SplittableRandom random, int min) {
    StringBuilder s = new StringBuilder();
    for (int n = random.nextInt(min, 30); s.length() < n; ) {
      int at = random.nextInt(CHARS.length());
      s.append(CHARS.charAt(at));
    }
    return s.toString();
  }

  /** The encoder as it was first written: the on-disk format is defined by it. */
  private static byte[] writtenByDataOutputStream(StoredEvent e) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(1);
      out.writeUTF(e.stream());
      out.writeLong(e.position());
      out.writeUTF(e.id() == null ? "" : e.id());
      out.writeUTF(e.type());
      out.writeLong(e.time());
      out.writeInt(e.data().length);
      out.write(e.data());
      out.writeInt(e.metadata().length);
      out.write(e.metadata());
    }
    return bytes.toByteArray();
  }
}
