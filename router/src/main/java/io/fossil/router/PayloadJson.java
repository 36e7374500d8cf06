package io.fossil.router;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * How event payloads are read, by the HTTP API and by the command line alike: strict JSON (a
 * repeated key or anything after the value is refused, not quietly dropped), and numbers with the
 * exact value they were sent with. Read as doubles, a fraction or an exponent lost digits
 * (12345678901234567.89) and a number out of a double's range came back as the string "Infinity";
 * trailing zeros of a fraction are kept too (ADR 0015).
 */
public final class PayloadJson {

  private PayloadJson() {}

  /** A mapper builder over {@code factory} with these settings. */
  public static JsonMapper.Builder mapper(JsonFactory factory) {
    return JsonMapper.builder(factory)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES);
  }
}
