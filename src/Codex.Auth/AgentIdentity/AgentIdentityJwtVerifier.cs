using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Codex.Auth.Backchannel;
using Codex.Auth.Internal;

namespace Codex.Auth.AgentIdentity;

/// <summary>
/// Verifies agent-identity JWTs: RS256 against a cached JWKS (one refetch for an unknown <c>kid</c>, and no
/// further refetch within <see cref="MinimumRefetchInterval"/>), then <c>iss</c>, <c>aud</c> and <c>exp</c>.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "SemaphoreSlim owns no OS handle unless AvailableWaitHandle is used, which it never is here.")]
internal sealed class AgentIdentityJwtVerifier
{
    /// <summary>How long after an unknown-<c>kid</c> refetch further unknown kids are answered from the cache.</summary>
    public static readonly TimeSpan MinimumRefetchInterval = TimeSpan.FromMinutes(1);

    private readonly BackchannelClient _backchannel;
    private readonly BackchannelCall _call;
    private readonly Uri _jwksUrl;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _fetchLock = new(1, 1);
    private Jwks? _jwks;
    private DateTimeOffset? _lastRefetchAt;

    public AgentIdentityJwtVerifier(BackchannelClient backchannel, Uri jwksUrl, TimeProvider time)
    {
        _backchannel = backchannel;
        _jwksUrl = jwksUrl;
        _time = time;
        _call = new BackchannelCall(
            "Fetching the agent-identity JWKS",
            jwksUrl,
            CodexAuthFailureReason.InvalidAgentIdentity,
            "Check network access to the JWKS (or CODEX_AGENT_IDENTITY_JWKS_BASE_URL) and try again.",
            "The agent identity could not be verified.");
    }

    /// <summary>Gets the number of JWKS documents fetched so far (for diagnostics and tests).</summary>
    public int FetchCount { get; private set; }

    /// <summary>Verifies <paramref name="jwt"/> and returns its claims and expiry.</summary>
    /// <exception cref="CodexAuthException"><see cref="CodexAuthFailureReason.InvalidAgentIdentity"/>.</exception>
    public async Task<(JsonObject Claims, DateTimeOffset ExpiresAt)> VerifyAsync(string jwt, string source, CancellationToken cancellationToken)
    {
        string[] parts = jwt.Trim().Split('.');
        if (parts.Length != 3 || parts[0].Length == 0 || parts[1].Length == 0 || parts[2].Length == 0)
        {
            throw Invalid(source, "it is not a compact JWT (header.payload.signature)");
        }

        JsonObject header = DecodeObject(parts[0], source, "header");
        JsonObject payload = DecodeObject(parts[1], source, "payload");
        byte[] signature;
        try
        {
            signature = Base64Url.DecodeLenient(parts[2]);
        }
        catch (FormatException)
        {
            throw Invalid(source, "its signature is not base64url");
        }

        if (JsonFields.String(header, "alg") != "RS256")
        {
            throw Invalid(source, "its signing algorithm is not RS256");
        }

        string kid = JsonFields.String(header, "kid") is { Length: > 0 } k ? k : throw Invalid(source, "its header has no \"kid\"");

        Jwks jwks = await GetJwksAsync(refetchIfOlderThan: null, cancellationToken).ConfigureAwait(false);
        if (!jwks.Keys.TryGetValue(kid, out RSAParameters key))
        {
            // Key rotation: one refetch, unless the set was fetched very recently.
            jwks = await GetJwksAsync(refetchIfOlderThan: jwks, cancellationToken).ConfigureAwait(false);
            if (!jwks.Keys.TryGetValue(kid, out key))
            {
                throw Invalid(source, $"its signing key \"{kid}\" is not in the JWKS at {_jwksUrl}");
            }
        }

        using (RSA rsa = RSA.Create())
        {
            rsa.ImportParameters(key);
            byte[] signed = Encoding.ASCII.GetBytes(string.Concat(parts[0], ".", parts[1]));
            if (!rsa.VerifyData(signed, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            {
                throw Invalid(source, "its signature does not verify");
            }
        }

        if (JsonFields.String(payload, "iss") != AgentIdentityEndpoints.Issuer)
        {
            throw Invalid(source, $"its issuer is not {AgentIdentityEndpoints.Issuer}");
        }

        if (!HasAudience(payload["aud"], AgentIdentityEndpoints.Audience))
        {
            throw Invalid(source, $"its audience is not {AgentIdentityEndpoints.Audience}");
        }

        if (payload["exp"] is not JsonValue expValue || !expValue.TryGetValue(out double exp) || double.IsNaN(exp) || double.IsInfinity(exp))
        {
            throw Invalid(source, "it has no numeric \"exp\"");
        }

        DateTimeOffset expiresAt = DateTimeOffset.FromUnixTimeSeconds((long)Math.Clamp(Math.Floor(exp), -62135596800, 253402300799));
        if (expiresAt <= _time.GetUtcNow())
        {
            throw Invalid(source, $"it expired at {expiresAt:yyyy-MM-dd'T'HH:mm:ss'Z'}");
        }

        return (payload, expiresAt);
    }

    private static bool HasAudience(JsonNode? aud, string expected) => aud switch
    {
        JsonValue v when v.TryGetValue(out string? s) => s == expected,
        JsonArray a => a.Any(n => n is JsonValue v && v.TryGetValue(out string? s) && s == expected),
        _ => false,
    };


    private static JsonObject DecodeObject(string segment, string source, string what)
    {
        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeLenient(segment);
        }
        catch (FormatException)
        {
            throw Invalid(source, $"its {what} is not base64url");
        }

        JsonNode? node = JsonTree.TryParse(bytes, out string? problem);
        if (problem is not null)
        {
            throw Invalid(source, $"its {what} is not usable JSON: {problem}");
        }

        return node as JsonObject ?? throw Invalid(source, $"its {what} is not a JSON object");
    }

    private static CodexAuthException Invalid(string source, string what) =>
        new(
            CodexAuthFailureReason.InvalidAgentIdentity,
            $"The agent identity JWT from {source} is not valid: {what}.",
            AgentIdentityProvider.Remediation);

    private async Task<Jwks> GetJwksAsync(Jwks? refetchIfOlderThan, CancellationToken cancellationToken)
    {
        Jwks? current = Volatile.Read(ref _jwks);
        if (current is not null && refetchIfOlderThan is null)
        {
            return current;
        }

        await _fetchLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            current = _jwks;
            if (current is not null)
            {
                if (refetchIfOlderThan is null || !ReferenceEquals(current, refetchIfOlderThan))
                {
                    // First use, or another caller refetched while this one waited.
                    return current;
                }

                DateTimeOffset now = _time.GetUtcNow();
                if (_lastRefetchAt is { } last && now - last < MinimumRefetchInterval)
                {
                    // An unknown kid already caused a refetch recently: do not refetch once per request.
                    return current;
                }

                _lastRefetchAt = now;
            }

            Jwks fetched = await FetchAsync(cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _jwks, fetched);
            return fetched;
        }
        finally
        {
            _fetchLock.Release();
        }
    }

    private async Task<Jwks> FetchAsync(CancellationToken cancellationToken)
    {
        FetchCount++;
        byte[] body;
        using (HttpResponseMessage response = await _backchannel.SendAsync(_call, static url => new HttpRequestMessage(HttpMethod.Get, url), _jwksUrl, cancellationToken).ConfigureAwait(false))
        {
            if (!response.IsSuccessStatusCode)
            {
                throw BackchannelErrors.Status(_call, response.StatusCode, null, 1);
            }

            body = await BackchannelClient.ReadBodyAsync(_call, response, cancellationToken).ConfigureAwait(false);
        }

        var keys = new Dictionary<string, RSAParameters>(StringComparer.Ordinal);
        try
        {
            if (JsonTree.TryParse(body, out _) is not JsonObject root || root["keys"] is not JsonArray array)
            {
                throw JwksFailed("it is not a JSON Web Key Set", null);
            }

            foreach (JsonNode? node in array)
            {
                if (node is not JsonObject jwk
                    || JsonFields.String(jwk, "kty") != "RSA"
                    || JsonFields.String(jwk, "kid") is not { Length: > 0 } kid
                    || JsonFields.String(jwk, "use") is not (null or "sig")
                    || JsonFields.String(jwk, "alg") is not (null or "RS256")
                    || JsonFields.String(jwk, "n") is not { Length: > 0 } n
                    || JsonFields.String(jwk, "e") is not { Length: > 0 } e)
                {
                    continue;
                }

                keys[kid] = new RSAParameters
                {
                    Modulus = TrimLeadingZeros(Base64Url.DecodeLenient(n)),
                    Exponent = TrimLeadingZeros(Base64Url.DecodeLenient(e)),
                };
            }
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            throw JwksFailed("it is not a valid JSON Web Key Set", ex);
        }

        return new Jwks(keys, _time.GetUtcNow());
    }

    private static byte[] TrimLeadingZeros(byte[] value)
    {
        int i = 0;
        while (i < value.Length - 1 && value[i] == 0)
        {
            i++;
        }

        return i == 0 ? value : value[i..];
    }

    private CodexAuthException JwksFailed(string what, Exception? inner) =>
        new(
            CodexAuthFailureReason.InvalidAgentIdentity,
            $"The agent identity could not be verified: the JWKS at {_jwksUrl} cannot be used ({what}).",
            "Check network access to the JWKS (or CODEX_AGENT_IDENTITY_JWKS_BASE_URL) and try again.",
            inner);

    private sealed record Jwks(Dictionary<string, RSAParameters> Keys, DateTimeOffset FetchedAt);
}
