using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Codex.Auth.Proxy.Tests;

/// <summary>The proxy's options fail the same way in <c>Validate</c>, <c>AddCodexAuthProxy</c> and <c>CodexAuthProxyHost.StartAsync</c>.</summary>
public sealed class OptionsValidationTests
{
    public static TheoryData<string, Action<CodexAuthProxyOptions>> BadOptions => new()
    {
        { "ChatGptUpstream", o => o.ChatGptUpstream = new Uri("http://chatgpt.com/backend-api") },
        { "AuthUpstream", o => o.AuthUpstream = new Uri("https://auth.openai.com/?x=1") },
        { "AgentKey", o => o.AgentKey = "too-short" },
        { "UpstreamRejectionRecoveryInterval", o => o.UpstreamRejectionRecoveryInterval = TimeSpan.FromSeconds(-1) },
        { "UpstreamActivityTimeout", o => o.UpstreamActivityTimeout = TimeSpan.Zero },
        { "UpstreamConnectTimeout", o => o.UpstreamConnectTimeout = TimeSpan.FromSeconds(-3) },
        { "IdleTimeout", o => o.IdleTimeout = TimeSpan.Zero },
        { "DrainTimeout", o => o.DrainTimeout = TimeSpan.FromSeconds(-1) },
        { "MaxRequestBodySize", o => o.MaxRequestBodySize = 0 },
        { "MaxRequestHeadersTotalSize", o => o.MaxRequestHeadersTotalSize = 512 },
        { "Port", o => o.Port = 70000 },
        { "Tls.Mode", o => o.Tls.Mode = (CodexAuthProxyTlsMode)7 },
        { "Tls", o => o.Tls = new CodexAuthProxyTlsOptions { Mode = CodexAuthProxyTlsMode.PemFiles, CertificatePemPath = "/tmp/cert.pem" } },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public async Task A_bad_value_names_the_option_the_same_way_everywhere(string option, Action<CodexAuthProxyOptions> bad)
    {
        var options = new CodexAuthProxyOptions();
        bad(options);

        var validated = Assert.Throws<OptionsValidationException>(options.Validate);
        string failure = Assert.Single(validated.Failures);
        Assert.StartsWith($"CodexAuthProxyOptions.{option} ", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("too-short", failure, StringComparison.Ordinal); // never the key itself

        var registered = Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddCodexAuthProxy(options));
        Assert.Equal(validated.Message, registered.Message);

        var started = await Assert.ThrowsAsync<OptionsValidationException>(() => CodexAuthProxyHost.StartAsync(options));
        Assert.Equal(validated.Message, started.Message);
    }

    [Fact]
    public void The_defaults_are_valid() => new CodexAuthProxyOptions().Validate();
}
