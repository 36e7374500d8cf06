package io.fossil.server;

/**
 * How a node is named and reached: the options {@code --node-id}, {@code --voters}, {@code
 * --advertise}, {@code --http-host} and {@code --http-port} of {@code fossil node}. A null field is
 * one the flags, the environment and the configuration file left unset; {@link
 * KubernetesOptions#complete} fills those from the pod.
 *
 * @param voters in the form of {@code --voters}: {@code id=host:port,...}
 */
public record NodeAddressing(
    String nodeId, String voters, String advertise, String httpHost, int httpPort) {}
