using Codex.Auth.Proxy.Internal;
using Codex.Auth.Proxy.Tests.Hardening;
using Codex.Auth.Proxy.Tests.Infrastructure;
using CsCheck;
using Microsoft.AspNetCore.Http;

namespace Codex.Auth.Proxy.Tests.Fuzz;

/// <summary>
/// The proxy's header handling under generated input. Properties: a secret-bearing header's value never reaches the log, in
/// whole or in part; in forward mode no agent credential (or cookie) reaches the upstream, whatever the casing, copies,
/// padding or scheme.
/// </summary>
public sealed class HeaderFuzzTests
{
    private const string Marker = "S3CR3T";
    private const string IdMarker = "1DMARK";

    private static readonly string[] s_secretNames =
    [
        "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "x-api-key", "api-key", CodexAuthProxyOptions.AgentKeyHeaderName,
        "X-Auth-Token", "X-Goog-Api-Key", "X-Session-Id", "OpenAI-Sentinel-Token", "X-Client-Secret",
    ];

    private static readonly string[] s_credentialNames = [.. CodexAuthHeaderNames.CredentialHeaders.Order(StringComparer.Ordinal)];

    private static readonly string[] s_schemes = ["Bearer", "bearer", "Basic", "AgentAssertion", "Weird", "", "Bearer  ", "Token"];

    /// <summary>Header-safe text: visible ASCII and spaces, no CR/LF.</summary>
    private static readonly Gen<string> s_safeText = Gen.Char[' ', '~'].Array[0, 16].Select(c => new string(c));

    private static readonly Gen<string> s_secretValue = Gen.Select(Gen.OneOf(s_schemes), s_safeText, s_safeText, Gen.Int[0, 3],
        (scheme, before, after, shape) => shape switch
        {
            0 => $"{scheme} {before}{Marker}{after}",
            1 => $"{before} {Marker}-{after}, {scheme} {Marker}",
            2 => $"a={before}{Marker}; b={Marker}{after}",
            _ => $"{Marker}{after}",
        });

    [Fact]
    public void A_secret_headers_value_never_appears_in_the_rendered_log() =>
        Gen.Select(Gen.OneOf(s_secretNames), Gen.Bool.Array[32], s_secretValue.Array[1, 4])
            .Sample((name, flips, values) =>
            {
                var headers = new HeaderDictionary { [Recase(name, flips)] = values };
                string rendered = HeaderRedaction.Render(headers);
                Assert.DoesNotContain(Marker, rendered, StringComparison.OrdinalIgnoreCase);
            }, iter: Iterations(20000));

    [Fact]
    public async Task No_agent_credential_or_cookie_reaches_the_upstream_and_no_secret_reaches_the_log()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        await using RecordingUpstream upstream = await RecordingUpstream.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true, o =>
        {
            o.ChatGptUpstream = new Uri(upstream.BaseAddress, "backend-api");
            o.LogHeaders = true;
        });
        Gen<string[]> requestHeaders = Gen.Select(Gen.OneOf(s_credentialNames), Gen.Bool.Array[32], s_secretValue, Gen.OneOf("", " ", "\t"),
            (name, flips, value, pad) =>
            {
                // Every credential header is redacted in logs (identifiers too); names outside the list would be sent as identifiers.
                string sent = HeaderRedaction.IsSecret(name) ? value : value.Replace(Marker, IdMarker, StringComparison.Ordinal);
                return $"{Recase(name, flips)}:{pad}{sent}{pad}";
            }).Array[1, 6];

        await Gen.Select(requestHeaders, Gen.OneOf("models", "responses", "wham/accounts/check", "files/a%2Fb"))
            .SampleAsync(async (lines, path) =>
            {
                int before = upstream.Seen.Count;
                (int status, _) = await RawHttp.SendAsync(proxy.Address, "GET", "/backend-api/codex/" + path, lines);
                Assert.Equal(200, status);
                (_, Dictionary<string, string> seen) = upstream.Seen[before];
                Assert.Equal("Bearer " + fx.SignIn.AccessToken, seen["Authorization"]);
                Assert.Equal(ProxyFixture.AccountId, seen["ChatGPT-Account-ID"]);
                Assert.DoesNotContain(seen, h => h.Value.Contains(Marker, StringComparison.OrdinalIgnoreCase)
                    || h.Value.Contains(IdMarker, StringComparison.OrdinalIgnoreCase)
                    || h.Key.Contains("cookie", StringComparison.OrdinalIgnoreCase));
            }, iter: Iterations(150), threads: 1);

        Assert.DoesNotContain(Marker, fx.Logs.All, StringComparison.OrdinalIgnoreCase);
    }

    private static long Iterations(long ciDefault) =>
        long.TryParse(Environment.GetEnvironmentVariable("CODEX_AUTH_FUZZ_ITERATIONS"), out long n) && n > 0 ? n : ciDefault;

    private static string Recase(string name, bool[] flips) =>
        new(name.Select((c, i) => flips[i % flips.Length] ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c)).ToArray());
}
