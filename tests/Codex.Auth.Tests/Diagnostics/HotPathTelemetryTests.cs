using Codex.Auth.ChatGpt;
using Codex.Auth.Diagnostics;
using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.Diagnostics;

[Collection(TelemetryTestGroup.Name)]
public sealed class HotPathTelemetryTests
{
    [Fact]
    public async Task ChatGpt_cached_path_allocates_nothing_when_nobody_listens()
    {
        await using ChatGptFixture fx = await ChatGptFixture.StartAsync();
        ChatGptTokenProvider provider = fx.CreateProvider(o => o.WatchStore = false);
        AuthHeaders expected = await provider.GetHeadersAsync();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            ValueTask<AuthHeaders> pending = provider.GetHeadersAsync();
            if (!pending.IsCompletedSuccessfully || !ReferenceEquals(pending.Result, expected))
            {
                Assert.Fail("The cached path did not complete synchronously with the cached headers.");
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public async Task Token_age_is_recorded_only_when_listened_to()
    {
        await using ChatGptFixture fx = await ChatGptFixture.StartAsync();
        ChatGptTokenProvider provider = fx.CreateProvider(o => o.WatchStore = false);
        await provider.GetHeadersAsync();
        fx.Time.Advance(TimeSpan.FromMinutes(10));

        using (var capture = new TelemetryCapture())
        {
            await provider.GetHeadersAsync();
            (string _, double age, string tags) = Assert.Single(capture.Measurements, m => m.Instrument == CodexAuthTelemetry.TokenAgeInstrumentName);
            Assert.Equal(600, age, precision: 0);
            Assert.Equal("codex.auth.provider=chatgpt", tags);
        }

        Assert.False(Instrumentation.TokenAge.Enabled);
    }
}
