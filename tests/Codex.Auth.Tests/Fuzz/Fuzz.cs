using CsCheck;

namespace Codex.Auth.Tests.Fuzz;

/// <summary>
/// The fuzz suite's shared rule and knobs. In CI each property runs a bounded number of cases (seconds in all);
/// <c>CODEX_AUTH_FUZZ_ITERATIONS=200000</c> runs longer, <c>CODEX_AUTH_FUZZ_SEED</c> replays a failure CsCheck printed.
/// </summary>
internal static class Fuzz
{
    public static long Iterations(long ciDefault) =>
        long.TryParse(Environment.GetEnvironmentVariable("CODEX_AUTH_FUZZ_ITERATIONS"), out long n) && n > 0 ? n : ciDefault;

    public static string? Seed => Environment.GetEnvironmentVariable("CODEX_AUTH_FUZZ_SEED") is { Length: > 0 } s ? s : null;

    /// <summary>Runs <paramref name="property"/> on <paramref name="iterations"/> generated cases, single-threaded (the cases share a directory).</summary>
    public static void Run<T>(Gen<T> gen, Action<T> property, long iterations, Func<T, string>? print = null) =>
        gen.Sample(property, iter: Iterations(iterations), seed: Seed, threads: 1, print: print);

    /// <summary>The property every input must satisfy: a value, or a <see cref="CodexAuthException"/> — nothing else escapes.</summary>
    public static void ValueOrTypedError(Action use)
    {
        try
        {
            use();
        }
        catch (CodexAuthException)
        {
        }
    }

    /// <inheritdoc cref="ValueOrTypedError(Action)"/>
    public static async Task ValueOrTypedErrorAsync(Func<Task> use)
    {
        try
        {
            await use();
        }
        catch (CodexAuthException)
        {
        }
    }

    /// <summary>The files of one corpus directory (copied next to the test assembly).</summary>
    public static TheoryData<string> Corpus(string directory)
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fuzz", "Corpus", directory)).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    public static byte[] ReadCorpus(string directory, string name) =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fuzz", "Corpus", directory, name));

    /// <summary>A short printable rendering of fuzzed bytes for CsCheck's failure report.</summary>
    public static string Print(byte[] bytes) =>
        bytes.Length <= 2048 ? Convert.ToBase64String(bytes) : $"{bytes.Length} bytes, starting {Convert.ToBase64String(bytes, 0, 512)}";
}
