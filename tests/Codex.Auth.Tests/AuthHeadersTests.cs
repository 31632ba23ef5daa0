using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace Codex.Auth.Tests;

public sealed class AuthHeadersTests
{
    private const string Secret = "eyJhbGciOi.secret-token-value.sig";

    [Fact]
    public void No_public_surface_reveals_the_credential()
    {
        var headers = new AuthHeaders("Bearer", Secret, "acct_1", isFedRamp: true);

        string json = JsonSerializer.Serialize(headers);
        Assert.DoesNotContain("secret-token-value", json, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token-value", headers.ToString(), StringComparison.Ordinal);
        Assert.Contains(headers.Fingerprint, headers.ToString(), StringComparison.Ordinal);
        Assert.Contains("acct_1", headers.ToString(), StringComparison.Ordinal);

        DebuggerDisplayAttribute display = typeof(AuthHeaders).GetCustomAttribute<DebuggerDisplayAttribute>()!;
        Assert.Equal("{ToString(),nq}", display.Value);
        foreach (PropertyInfo property in typeof(AuthHeaders).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            Assert.DoesNotContain("secret-token-value", property.GetValue(headers)?.ToString() ?? string.Empty, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Fingerprint_is_short_stable_and_differs_per_credential()
    {
        var a = new AuthHeaders("Bearer", "token-a");
        var a2 = new AuthHeaders("Bearer", "token-a");
        var b = new AuthHeaders("Bearer", "token-b");

        Assert.Matches("^[0-9a-f]{8}$", a.Fingerprint);
        Assert.Equal(a.Fingerprint, a2.Fingerprint);
        Assert.NotEqual(a.Fingerprint, b.Fingerprint);
        Assert.True(a.HasSameCredential(a2));
        Assert.False(a.HasSameCredential(b));
        Assert.False(a.HasSameCredential(null));
    }

    [Theory]
    [InlineData("Bearer", "has space")]
    [InlineData("Bearer", "line\r\nInjected: 1")]
    [InlineData("Bearer", "")]
    [InlineData("Bad Scheme", "abc123")]
    public void Values_that_would_break_a_header_are_rejected_without_echoing_them(string scheme, string credential)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => new AuthHeaders(scheme, credential));
        if (credential.Length > 0)
        {
            Assert.DoesNotContain(credential, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ApplyTo_replaces_every_copy_of_the_credential_headers()
    {
        using var request = new HttpRequestMessage();
        request.Headers.TryAddWithoutValidation("AUTHORIZATION", "Bearer one");
        request.Headers.TryAddWithoutValidation("authorization", "Bearer two");
        request.Headers.TryAddWithoutValidation("chatgpt-account-id", "x");
        request.Headers.TryAddWithoutValidation("X-OPENAI-FEDRAMP", "true");
        request.Headers.TryAddWithoutValidation("Other", "kept");

        new AuthHeaders("AgentAssertion", "abc", "acct_9").ApplyTo(request.Headers);

        Assert.Equal(["AgentAssertion abc"], request.Headers.GetValues("Authorization"));
        Assert.Equal(["acct_9"], request.Headers.GetValues("ChatGPT-Account-ID"));
        Assert.False(request.Headers.Contains("X-OpenAI-Fedramp"));
        Assert.Equal(["kept"], request.Headers.GetValues("Other"));
    }
}

public sealed class SecretOptionsTests
{
    private static readonly System.Text.Json.JsonSerializerOptions s_json = new() { ReferenceHandler = System.Text.Json.Serialization.ReferenceHandler.IgnoreCycles };

    [Fact]
    public void Options_that_carry_a_secret_never_serialize_it_or_show_it_in_the_debugger()
    {
        const string Secret = "sk-options-secret-0123456789";
        object[] options =
        [
            new CodexAuthOptions { ApiKey = Secret },
            new Codex.Auth.ApiKeys.ApiKeyProviderOptions { ApiKey = Secret },
            new Codex.Auth.ApiKeys.PersonalAccessTokenProviderOptions { Token = "at-" + Secret },
            new Codex.Auth.AgentIdentity.AgentIdentityProviderOptions { Identity = Secret },
            new Codex.Auth.Resolution.CodexCredentialResolverOptions { ApiKey = Secret },
            new Codex.Auth.Proxy.CodexAuthProxyOptions { AgentKey = Secret },
        ];

        foreach (object o in options)
        {
            string json = System.Text.Json.JsonSerializer.Serialize(o, o.GetType(), s_json);
            Assert.DoesNotContain(Secret, json, StringComparison.Ordinal);
            Assert.DoesNotContain(Secret, o.ToString() ?? string.Empty, StringComparison.Ordinal);
            foreach (System.Reflection.PropertyInfo p in o.GetType().GetProperties().Where(p => p.GetValue(o) is string s && s.Contains(Secret, StringComparison.Ordinal)))
            {
                var browsable = (System.Diagnostics.DebuggerBrowsableAttribute?)Attribute.GetCustomAttribute(p, typeof(System.Diagnostics.DebuggerBrowsableAttribute));
                Assert.Equal(System.Diagnostics.DebuggerBrowsableState.Never, browsable?.State);
            }
        }
    }
}
