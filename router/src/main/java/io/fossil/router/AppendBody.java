package io.fossil.router;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fossil.owner.AppendRequest;
import io.fossil.owner.ProposedEvent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Parses and checks the body of {@code POST /streams/{stream}}: strict JSON (no duplicate keys, no
 * trailing content, bounded depth), only known fields, the right types. {@code data} is stored as
 * the JSON it was sent as, re-serialized compactly: whitespace goes, numbers keep their exact value
 * (a fraction or exponent may be written differently: {@code 1e400} as {@code 1E+400}); {@code
 * metadata} must be an object.
 */
final class AppendBody {

  private static final Set<String> TOP = Set.of("expectedPosition", "events");
  private static final Set<String> EVENT = Set.of("id", "type", "data", "metadata");

  private final ObjectMapper mapper;

  AppendBody(int maxDepth) {
    this.mapper =
        PayloadJson.mapper(
                com.fasterxml.jackson.core.JsonFactory.builder()
                    .streamReadConstraints(
                        StreamReadConstraints.builder().maxNestingDepth(maxDepth).build())
                    .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                    .build())
            .build();
  }

  AppendRequest parse(String stream, byte[] body) {
    JsonNode root = readTree(body);
    if (root == null || root.isMissingNode() || !root.isObject()) {
      throw new Problem(
          ProblemType.INVALID_FIELD,
          "the body must be a JSON object like {\"events\": [{\"type\": \"...\", \"data\": {}}]}");
    }
    checkFields(root, TOP, "");
    long expected = expectedPosition(root.get("expectedPosition"));
    JsonNode events = root.get("events");
    if (events == null || !events.isArray()) {
      throw new Problem(ProblemType.INVALID_FIELD, "'events' must be an array of events");
    }
    List<ProposedEvent> proposed = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      proposed.add(event(events.get(i), "events[" + i + "]"));
    }
    return new AppendRequest(stream, expected, proposed);
  }

  /** Strict parsing, shared with the other routes that take a JSON body. */
  JsonNode readTree(byte[] body) {
    try {
      return mapper.readTree(body);
    } catch (StreamConstraintsException e) {
      StreamReadConstraints limits = mapper.getFactory().streamReadConstraints();
      String message = String.valueOf(e.getMessage());
      if (message.startsWith("Number value length")) {
        throw new Problem(
            ProblemType.INVALID_FIELD,
            "a number in the body has more than "
                + limits.getMaxNumberLength()
                + " characters, the most this API takes");
      }
      if (!message.contains("nesting depth")) {
        throw new Problem(
            ProblemType.INVALID_FIELD, "the body exceeds a limit of the JSON parser: " + message);
      }
      throw new Problem(
          ProblemType.JSON_TOO_DEEP,
          "the body nests deeper than " + limits.getMaxNestingDepth() + " levels");
    } catch (JsonProcessingException e) {
      throw new Problem(ProblemType.MALFORMED_JSON, "the body is not valid JSON: " + brief(e));
    } catch (IOException e) {
      throw new Problem(ProblemType.MALFORMED_JSON, "the body could not be read: " + e);
    }
  }

  private static String brief(JsonProcessingException e) {
    String m = e.getOriginalMessage();
    var loc = e.getLocation();
    return loc == null
        ? m
        : m + " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
  }

  static void checkFields(JsonNode node, Set<String> known, String where) {
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!known.contains(name)) {
        throw new Problem(
            ProblemType.UNKNOWN_FIELD,
            "unknown field '"
                + where
                + name
                + "'; known fields are "
                + known.stream().sorted().toList());
      }
    }
  }

  private static long expectedPosition(JsonNode node) {
    if (node == null || node.isNull()) {
      return AppendRequest.ANY;
    }
    if (!node.isIntegralNumber() || !node.canConvertToLong() || node.asLong() < -1) {
      throw new Problem(
          ProblemType.INVALID_EXPECTED_POSITION,
          "'expectedPosition' must be an integer: -1 for an empty stream, or the stream's last"
              + " position; got "
              + node);
    }
    return node.asLong();
  }

  private ProposedEvent event(JsonNode node, String where) {
    if (!node.isObject()) {
      throw new Problem(ProblemType.INVALID_FIELD, where + " must be an object");
    }
    checkFields(node, EVENT, where + ".");
    JsonNode id = node.get("id");
    if (id != null && !id.isNull() && !id.isTextual()) {
      throw new Problem(ProblemType.INVALID_FIELD, where + ".id must be a string");
    }
    JsonNode type = node.get("type");
    if (type == null || !type.isTextual()) {
      throw new Problem(ProblemType.INVALID_FIELD, where + ".type must be a string");
    }
    JsonNode data = node.get("data");
    if (data == null) {
      throw new Problem(
          ProblemType.INVALID_FIELD, where + ".data is required (any JSON value, null included)");
    }
    JsonNode metadata = node.get("metadata");
    if (metadata != null && !metadata.isNull() && !metadata.isObject()) {
      throw new Problem(ProblemType.INVALID_FIELD, where + ".metadata must be an object");
    }
    try {
      return new ProposedEvent(
          id == null || id.isNull() ? null : id.asText(),
          type.asText(),
          mapper.writeValueAsBytes(data),
          metadata == null || metadata.isNull() ? null : mapper.writeValueAsBytes(metadata));
    } catch (JsonProcessingException e) {
      throw new Problem(ProblemType.INTERNAL, "cannot re-serialize " + where + ": " + e);
    }
  }
}
