using System.Text.Json.Nodes;
using Codex.Auth.Internal;

namespace Codex.Auth.AgentIdentity;

/// <summary>
/// Reads what an agent identity says about itself without asking any server (for status displays): the claims of the JWT, or the
/// fields of an auth.json record. Nothing is verified here — <see cref="AgentIdentityProvider"/> verifies the JWT against the JWKS
/// before using it — but malformed input is refused.
/// </summary>
/// <example>
/// <code>
/// UnverifiedAgentIdentity identity = AgentIdentityClaims.ReadUnverified(Environment.GetEnvironmentVariable("CODEX_ACCESS_TOKEN")!, "CODEX_ACCESS_TOKEN");
/// Console.WriteLine($"{identity.AccountId} {identity.PlanType} fedramp={identity.IsFedRamp}");
/// </code>
/// </example>
public static class AgentIdentityClaims
{
    /// <summary>Decodes an agent identity (a JWT, or a JSON record) offline.</summary>
    /// <param name="identity">The identity text, for example the value of <c>CODEX_ACCESS_TOKEN</c>.</param>
    /// <param name="source">Where it came from, for messages (for example <c>CODEX_ACCESS_TOKEN</c>).</param>
    /// <returns>What it claims; never the private key.</returns>
    /// <exception cref="CodexAuthException">
    /// <see cref="CodexAuthFailureReason.InvalidAgentIdentity"/>: it is not a JWT (or record), a required claim is missing, or the key
    /// is not an Ed25519 key. The message names <paramref name="source"/> and never contains the identity.
    /// </exception>
    public static UnverifiedAgentIdentity ReadUnverified(string identity, string source)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        string text = identity.Trim();
        JsonObject claims;
        DateTimeOffset? expiresAt = null;
        if (text.StartsWith('{'))
        {
            claims = JsonTree.TryParse(text, default, out string? problem) as JsonObject
                ?? throw AgentIdentityCredential.Malformed(source, "it is neither a JWT nor a JSON record" + (problem is null ? string.Empty : ": " + problem));
        }
        else
        {
            claims = JwtPayload.TryDecode(text, out string? error)
                ?? throw AgentIdentityCredential.Malformed(source, "it is not a JWT (" + error + ")");
            if (JwtPayload.GetSeconds(claims, "exp") is { } exp && exp is > 0 and < 253402300800)
            {
                expiresAt = DateTimeOffset.FromUnixTimeSeconds(exp);
            }
        }

        AgentIdentityCredential credential = AgentIdentityCredential.FromClaims(claims, source, expiresAt);
        return new UnverifiedAgentIdentity(
            credential.RuntimeId,
            credential.AccountId,
            credential.ChatGptUserId,
            credential.Email,
            credential.PlanType,
            credential.IsFedRamp,
            expiresAt,
            source);
    }
}
