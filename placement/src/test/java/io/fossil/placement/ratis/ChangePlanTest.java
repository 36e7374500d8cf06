package io.fossil.placement.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fossil.placement.VoterChange;
import io.fossil.placement.Voters;
import io.fossil.placement.Voters.Role;
import io.fossil.placement.VotersReply.Code;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The rules a voter change must pass before Ratis is asked (ADR 29). */
class ChangePlanTest {

  private static final Map<String, String> KNOWN = Map.of("n4", "h4:7081", "n5", "h5:7081");

  @Test
  void addingTwoToThreeHealthyVotersGrowsTheGroupToFive() {
    ChangePlan plan =
        ChangePlan.of(
            group(healthy("n1"), healthy("n2"), healthy("n3")),
            new VoterChange.Add(ids("n4", "n5")),
            KNOWN);
    assertThat(plan.refused()).isNull();
    assertThat(plan.target()).containsOnlyKeys("n1", "n2", "n3", "n4", "n5");
    assertThat(plan.target()).containsEntry("n4", "h4:7081");
  }

  @Test
  void removingTheVoterThatIsDownKeepsALiveMajority() {
    ChangePlan plan =
        ChangePlan.of(
            group(healthy("n1"), down("n2"), healthy("n3")),
            new VoterChange.Remove(List.of("n2")),
            KNOWN);
    assertThat(plan.target()).containsOnlyKeys("n1", "n3");
  }

  @Test
  void removingAVoterThatAnswersWhileAnotherIsDownIsRefused() {
    ChangePlan plan =
        ChangePlan.of(
            group(healthy("n1"), down("n2"), healthy("n3")),
            new VoterChange.Remove(List.of("n3")),
            KNOWN);
    assertThat(plan.refused().code()).isEqualTo(Code.NO_LIVE_MAJORITY);
    assertThat(plan.refused().message()).contains("n2");
  }

  @Test
  void replaceRemovesTheVoterAndRemembersItsAddressToAddItBack() {
    ChangePlan plan =
        ChangePlan.of(
            group(healthy("n1"), down("n2"), healthy("n3")), new VoterChange.Replace("n2"), KNOWN);
    assertThat(plan.target()).containsOnlyKeys("n1", "n3");
    assertThat(plan.readd()).containsExactly(Map.entry("n2", "n2:7081"));
  }

  @Test
  void unknownVotersNoChangeAndMissingAddressesAreRefused() {
    Voters three = group(healthy("n1"), healthy("n2"), healthy("n3"));
    assertThat(ChangePlan.of(three, new VoterChange.Remove(List.of("n9")), KNOWN).refused().code())
        .isEqualTo(Code.UNKNOWN_VOTER);
    assertThat(ChangePlan.of(three, new VoterChange.Replace("n9"), KNOWN).refused().code())
        .isEqualTo(Code.UNKNOWN_VOTER);
    assertThat(ChangePlan.of(three, new VoterChange.Add(ids("n1")), KNOWN).refused().code())
        .isEqualTo(Code.UNCHANGED);
    assertThat(
            ChangePlan.of(three, new VoterChange.SetTo(ids("n3", "n2", "n1")), KNOWN)
                .refused()
                .code())
        .isEqualTo(Code.UNCHANGED);
    ChangePlan noAddress = ChangePlan.of(three, new VoterChange.Add(ids("n7")), KNOWN);
    assertThat(noAddress.refused().code()).isEqualTo(Code.INVALID);
    assertThat(noAddress.refused().message()).contains("n7=host:port");
    assertThat(
            ChangePlan.of(three, new VoterChange.Remove(List.of("n1", "n2", "n3")), KNOWN)
                .refused()
                .code())
        .isEqualTo(Code.INVALID);
  }

  @Test
  void addingAsManyAsItKeepsIsRefusedButOneToTwoIsAllowed() {
    Voters one = group(healthy("n1"));
    assertThat(ChangePlan.of(one, new VoterChange.Add(ids("n4")), KNOWN).refused()).isNull();
    Voters two = group(healthy("n1"), healthy("n2"));
    assertThat(ChangePlan.of(two, new VoterChange.Add(ids("n4", "n5")), KNOWN).refused().code())
        .isEqualTo(Code.TOO_MANY_NEW);
    Voters three = group(healthy("n1"), healthy("n2"), healthy("n3"));
    Map<String, Optional<String>> swap = new LinkedHashMap<>(ids("n1", "n4", "n5"));
    assertThat(ChangePlan.of(three, new VoterChange.SetTo(swap), KNOWN).refused().code())
        .isEqualTo(Code.TOO_MANY_NEW);
  }

  @Test
  void nothingIsPlannedWhileAChangeIsUnderWay() {
    Voters changing =
        new Voters("n1", true, List.of(healthy("n1"), healthy("n2"), healthy("n3")), List.of());
    assertThat(
            ChangePlan.of(changing, new VoterChange.Remove(List.of("n2")), KNOWN).refused().code())
        .isEqualTo(Code.CHANGING);
  }

  @Test
  void setToKeepsKnownAddressesAndTakesGivenOnes() {
    Map<String, Optional<String>> wanted = new LinkedHashMap<>(ids("n1", "n2", "n3"));
    wanted.put("n4", Optional.of("other:9"));
    ChangePlan plan =
        ChangePlan.of(
            group(healthy("n1"), healthy("n2"), healthy("n3")),
            new VoterChange.SetTo(wanted),
            KNOWN);
    assertThat(plan.target())
        .containsEntry("n1", "n1:7081")
        .containsEntry("n4", "other:9")
        .hasSize(4);
  }

  @Test
  void malformedRequestsThrowAtOnce() {
    assertThatThrownBy(() -> new VoterChange.Remove(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new VoterChange.Remove(List.of("n1", "n1")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new VoterChange.Add(Map.of("n 1", Optional.empty())))
        .hasMessageContaining("not a node id");
    assertThatThrownBy(() -> new VoterChange.Add(Map.of("n1", Optional.of("nohost"))))
        .hasMessageContaining("host:port");
  }

  private static Map<String, Optional<String>> ids(String... ids) {
    Map<String, Optional<String>> map = new LinkedHashMap<>();
    for (String id : ids) {
      map.put(id, Optional.empty());
    }
    return map;
  }

  private static Voters group(Voters.Voter... voters) {
    return new Voters(voters[0].id(), false, List.of(voters), List.of());
  }

  private static Voters.Voter healthy(String id) {
    return new Voters.Voter(id, id + ":7081", Role.FOLLOWER, 10, 5, true);
  }

  private static Voters.Voter down(String id) {
    return new Voters.Voter(id, id + ":7081", Role.FOLLOWER, 3, 60_000, false);
  }
}
