/**
 * Fossil's security core: identities, credentials, permissions and limits, with no network
 * framework. See ADR 25 (identity) and ADR 26 (permission model).
 */
package io.fossil.security;
