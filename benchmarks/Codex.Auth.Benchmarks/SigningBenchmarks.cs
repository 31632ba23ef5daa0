using System.Text;
using BenchmarkDotNet.Attributes;
using Codex.Auth.AgentIdentity;
using Codex.Auth.Http;
using Microsoft.Extensions.Time.Testing;
using Sodium;

namespace Codex.Auth.Benchmarks;

/// <summary>
/// A new-second agent assertion (the fake clock moves 1 s per operation, so every request signs afresh) against
/// its floor: one Ed25519 signature with libsodium (Sodium.Core), the library the provider uses.
/// </summary>
[MemoryDiagnoser]
public class SigningBenchmarks
{
    private byte[] _secretKey = null!;
    private byte[] _message = null!;
    private FakeTimeProvider _time = null!;
    private AgentIdentityProvider _provider = null!;
    private HttpMessageInvoker _invoker = null!;
    private HttpRequestMessage _request = null!;

    [GlobalSetup]
    public void Setup()
    {
        byte[] seed = BenchmarkCredentials.Seed();
        _secretKey = BenchmarkCredentials.SecretKey(seed);
        _message = Encoding.UTF8.GetBytes($"{BenchmarkCredentials.AgentRuntimeId}:{BenchmarkCredentials.AgentTaskId}:2026-01-01T00:00:00Z");
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        _provider = HandlerBenchmarks.AgentProvider(BenchmarkCredentials.AgentIdentityRecord(seed), _time);
        _ = HandlerBenchmarks.Warm(_provider);
        _invoker = new HttpMessageInvoker(new CodexAuthHandler(_provider) { InnerHandler = new NoRemoteCallHandler() });
        _request = new HttpRequestMessage(HttpMethod.Post, BenchmarkCredentials.CodexUrl);
        string before = Send();
        string after = Send();
        if (before == after)
        {
            throw new InvalidOperationException("A new second must produce a new assertion.");
        }
    }

    [Benchmark(Description = "Floor: Ed25519 sign (Sodium.Core)")]
    [BenchmarkCategory("AgentNewSecond")]
    public byte[] Ed25519Sign() => PublicKeyAuth.SignDetached(_message, _secretKey);

    [Benchmark(Description = "Codex.Auth: agent identity, new second")]
    [BenchmarkCategory("AgentNewSecond")]
    public Task<HttpResponseMessage> AgentNewSecond()
    {
        _time.Advance(TimeSpan.FromSeconds(1));
        return _invoker.SendAsync(_request, CancellationToken.None);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _invoker.Dispose();
        _request.Dispose();
        _provider.Dispose();
    }

    /// <summary>
    /// Splits a new second's bytes into the <c>Authorization</c> string itself — <c>AgentAssertion </c> + base64url of the envelope, which
    /// <c>HttpRequestHeaders</c> needs as a .NET string — and everything else, measured: the bytes of a string of the same length.
    /// </summary>
    internal string ExplainNewSecondBytes(long totalBytes)
    {
        string value = Send();
        long before = GC.GetAllocatedBytesForCurrentThread();
        string copy = new(value.AsSpan());
        long headerString = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(copy);
        return $" = header string {headerString} B ({value.Length} chars) + everything else {totalBytes - headerString} B";
    }

    private string Send()
    {
        _ = AgentNewSecond().GetAwaiter().GetResult();
        return _request.Headers.GetValues("Authorization").Single();
    }
}
