using Codex.Auth.Proxy.Internal;
using Codex.Auth.Proxy.Tests.Hardening;
using Codex.Auth.Proxy.Tests.Infrastructure;
using Codex.Auth.Testing;
using Microsoft.AspNetCore.Http;

namespace Codex.Auth.Proxy.Tests;

/// <summary>
/// The proxy strips and redacts exactly the library's one list, <see cref="CodexAuthHeaderNames.CredentialHeaders"/>: these
/// theories run over the list itself, so a name added to it is covered without touching them.
/// </summary>
public sealed class CredentialHeaderListTests
{
    public static TheoryData<string> EveryCredentialHeader => new(CodexAuthHeaderNames.CredentialHeaders.Order(StringComparer.Ordinal));

    [Fact]
    public void The_list_is_case_insensitive_and_holds_what_the_library_applies()
    {
        IReadOnlySet<string> names = CodexAuthHeaderNames.CredentialHeaders;
        Assert.Contains("AUTHORIZATION", names);
        Assert.Contains("chatgpt-account-id", names);
        Assert.Contains(CodexAuthHeaderNames.FedRamp, names);
        Assert.DoesNotContain("Content-Type", names);

        // Written out here, not read from the list: the theories below run over the list itself, so a name dropped from it would
        // only shrink them. Adding a name is a deliberate change to this line too.
        string[] expected =
        [
            "api-key", "Authorization", "ChatGPT-Account-ID", "Cookie", "Cookie2", "OpenAI-Organization", "OpenAI-Project",
            "Proxy-Authorization", "X-OpenAI-Fedramp", "x-api-key",
        ];
        Assert.Equal(expected.Order(StringComparer.OrdinalIgnoreCase), names.Order(StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase);
    }

    [Theory]
    [MemberData(nameof(EveryCredentialHeader))]
    public async Task Forward_mode_strips_it_in_any_casing_and_number_of_copies(string name)
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true);

        (int status, _) = await RawHttp.SendAsync(
            proxy.Address,
            "GET",
            "/backend-api/wham/accounts/check",
            [$"{name}: evil-1", $"{name.ToUpperInvariant()}: evil-2", $"{name.ToLowerInvariant()}:  evil-3 "]);

        Assert.Equal(200, status);
        RecordedRequest seen = Assert.Single(fx.Server.Requests);
        Assert.DoesNotContain(seen.Headers, h => h.Value.Contains("evil", StringComparison.Ordinal));
        Assert.Equal("Bearer " + fx.SignIn.AccessToken, seen.Header(CodexAuthHeaderNames.Authorization));
        Assert.Equal(ProxyFixture.AccountId, seen.Header(CodexAuthHeaderNames.AccountId));
        if (!name.Equals(CodexAuthHeaderNames.Authorization, StringComparison.OrdinalIgnoreCase)
            && !name.Equals(CodexAuthHeaderNames.AccountId, StringComparison.OrdinalIgnoreCase))
        {
            Assert.Null(seen.Header(name)); // not the host's to send (the host's FedRAMP flag is false here)
        }
    }

    [Theory]
    [MemberData(nameof(EveryCredentialHeader))]
    public void The_header_log_shows_it_as_a_fingerprint_only(string name)
    {
        const string Value = "Bearer v3ry-s3cret-value";
        string rendered = HeaderRedaction.Render(new HeaderDictionary { [name.ToUpperInvariant()] = Value });

        Assert.DoesNotContain("v3ry-s3cret-value", rendered, StringComparison.Ordinal);
        // Authorization and Proxy-Authorization keep a known scheme; every other value is replaced whole.
        string expected = name.EndsWith("Authorization", StringComparison.OrdinalIgnoreCase)
            ? "Bearer [" + AuthHeaders.FingerprintOf("v3ry-s3cret-value") + "]"
            : "[" + AuthHeaders.FingerprintOf(Value) + "]";
        Assert.Equal($"{name.ToUpperInvariant()}: {expected}", rendered);
    }
}
