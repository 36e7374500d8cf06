package io.fossil.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fossil.kv.KvException;
import io.fossil.owner.InvalidAppendException;
import io.fossil.placement.ExpiredPositionException;
import io.fossil.placement.PlacementReply;
import io.fossil.position.InvalidCursorException;
import io.fossil.security.TokenRejectedException;
import io.fossil.security.TokenVerifier;
import java.net.URI;
import java.time.Clock;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The one table from domain error codes and failures to problem types. */
class FailuresTest {

  /**
   * Every append refusal has a problem type of the same name (its wire slug is the code in lower
   * case with dashes), answered as a client error.
   */
  @ParameterizedTest
  @EnumSource(InvalidAppendException.Code.class)
  void everyInvalidAppendCodeMapsToAProblemTypeOfTheSameName(InvalidAppendException.Code code) {
    ProblemType type = Failures.problemType(code);

    assertThat(type).isNotNull();
    assertThat(type.uri())
        .isEqualTo("urn:fossil:problem:" + code.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    assertThat(type.status()).isBetween(400, 499);
    Problem p = Failures.invalidAppend(new InvalidAppendException(code, "why"));
    assertThat(p.type()).isEqualTo(type);
    assertThat(p.detail()).isEqualTo("why");
  }

  @Test
  void everyInvalidAppendCodeIsCovered() {
    for (InvalidAppendException.Code code : InvalidAppendException.Code.values()) {
      assertThat(Failures.problemType(code)).as(code.name()).isNotNull();
    }
  }

  /** Every placement refusal has a problem type and keeps its code as the {@code code} member. */
  @ParameterizedTest
  @EnumSource(PlacementReply.Code.class)
  void everyPlacementCodeMapsToAProblemType(PlacementReply.Code code) {
    ProblemType type = Failures.problemType(code);

    assertThat(type)
        .isIn(
            ProblemType.UNKNOWN_SEGMENT,
            ProblemType.INVALID_PARAMETER,
            ProblemType.SEGMENT_CAP,
            ProblemType.PLACEMENT_REJECTED);
    Problem p = Failures.rejected(new PlacementReply.Rejected(code, "refused"));
    assertThat(p.type()).isEqualTo(type);
    assertThat(p.extensions()).containsEntry("code", code.name());
  }

  @Test
  void everyPlacementCodeIsCoveredAndTheSpecialOnesKeepTheirTypes() {
    for (PlacementReply.Code code : PlacementReply.Code.values()) {
      assertThat(Failures.problemType(code)).as(code.name()).isNotNull();
    }
    assertThat(Failures.problemType(PlacementReply.Code.UNKNOWN_SEGMENT))
        .isEqualTo(ProblemType.UNKNOWN_SEGMENT);
    assertThat(Failures.problemType(PlacementReply.Code.BAD_SPLIT_POINT))
        .isEqualTo(ProblemType.INVALID_PARAMETER);
    assertThat(Failures.problemType(PlacementReply.Code.NOT_ADJACENT))
        .isEqualTo(ProblemType.PLACEMENT_REJECTED);
    assertThat(Failures.problemType(PlacementReply.Code.SEGMENT_CAP))
        .isEqualTo(ProblemType.SEGMENT_CAP);
  }

  /**
   * Every reason a token is refused has a problem type: the client's 401 with a challenge naming
   * the reason, except keys that cannot be loaded, a retryable 503.
   */
  @ParameterizedTest
  @EnumSource(TokenRejectedException.Reason.class)
  void everyTokenRejectionMapsToAProblemType(TokenRejectedException.Reason reason) {
    ProblemType type = Failures.problemType(reason);

    assertThat(type)
        .isEqualTo(
            reason == TokenRejectedException.Reason.KEYS_UNAVAILABLE
                ? ProblemType.AUTHENTICATION_UNAVAILABLE
                : ProblemType.UNAUTHENTICATED);
  }

  @Test
  void aRejectedTokenIsA401WithAChallengeNamingTheReason() {
    TokenVerifier verifier =
        new TokenVerifier(
            TokenVerifier.Config.of(
                "https://issuer.test", "fossil", Set.of("RS256"), URI.create("file:///none")),
            Clock.systemUTC());
    TokenRejectedException rejected =
        catchThrowableOfType(TokenRejectedException.class, () -> verifier.verify("not-a-token"));

    Problem p = Failures.problem(new CompletionException(rejected), "t");

    assertThat(p.type()).isEqualTo(ProblemType.UNAUTHENTICATED);
    assertThat(p.extensions()).containsEntry("reason", "malformed");
    assertThat(p.challenge())
        .isEqualTo(
            "Bearer realm=\"fossil\", error=\"invalid_token\", error_description=\"malformed\"");
    assertThat(p.detail()).doesNotContain("not-a-token");
  }

  @Test
  void unwrapsACompletionExceptionOnce() {
    IllegalStateException cause = new IllegalStateException("x");

    assertThat(Failures.unwrap(new CompletionException(cause))).isSameAs(cause);
    assertThat(Failures.unwrap(cause)).isSameAs(cause);
    assertThat(Failures.unwrap(new CompletionException(null)))
        .isInstanceOf(CompletionException.class);
  }

  @Test
  void mapsDomainFailuresThroughACompletionException() {
    assertThat(Failures.problem(new CompletionException(new InvalidCursorException("is bad")), "t"))
        .satisfies(
            p -> {
              assertThat(p.type()).isEqualTo(ProblemType.INVALID_CURSOR);
              assertThat(p.detail()).isEqualTo("the cursor is bad");
            });
    assertThat(
            Failures.problem(
                    new CompletionException(new ExpiredPositionException("is too old")), "t")
                .type())
        .isEqualTo(ProblemType.CURSOR_EXPIRED);
    assertThat(
            Failures.problem(
                    new CompletionException(
                        new InvalidAppendException(
                            InvalidAppendException.Code.EMPTY_APPEND, "empty")),
                    "t")
                .type())
        .isEqualTo(ProblemType.EMPTY_APPEND);
  }

  @Test
  void aStoreFailureIsARetryable503AndAnythingElseA500() {
    Problem store = Failures.problem(new CompletionException(new KvException("down")), "t");
    assertThat(store.type()).isEqualTo(ProblemType.STORE_UNAVAILABLE);
    assertThat(store.retryAfterSeconds()).isEqualTo(1);

    Problem internal = Failures.problem(new IllegalStateException("bug"), "t");
    assertThat(internal.type()).isEqualTo(ProblemType.INTERNAL);
    assertThat(internal.retryAfterSeconds()).isEqualTo(-1);
  }

  @Test
  void aProblemIsItself() {
    Problem p = new Problem(ProblemType.NO_OWNER, "none");
    assertThat(Failures.problem(new CompletionException(p), "t")).isSameAs(p);
  }
}
