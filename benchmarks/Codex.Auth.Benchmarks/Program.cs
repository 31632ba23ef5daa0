using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Codex.Auth.Benchmarks;

// `--paired-only`: only the paired judgement of the in-process targets (about a minute), no BenchmarkDotNet run.
// `--paired-filter TEXT` keeps only the targets whose name contains TEXT (for iterating on one target; the full pass is the verdict:
// the targets share code, e.g. one CodexAuthHandler.SendAsync, whose optimized code depends on what ran before it).
if (args.Contains("--paired-only"))
{
    int filterAt = Array.IndexOf(args, "--paired-filter");
    string? pairedFilter = filterAt >= 0 && filterAt + 1 < args.Length ? args[filterAt + 1] : null;
    (string pairedText, _) = PairedSuite.Run(pairedFilter);
    Console.WriteLine(pairedText);
    return 0;
}

bool paired = !args.Contains("--no-paired");
args = [.. args.Where(a => a != "--no-paired")];

// A short job by default (a few minutes for the whole suite on two cores); `--job …` on the command line replaces it.
bool jobOnCommandLine = args.Any(a => a is "--job" or "-j");
IConfig config = DefaultConfig.Instance.WithOptions(ConfigOptions.JoinSummary);
if (!jobOnCommandLine)
{
    config = config.AddJob(Job.Default.WithId("Short").WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(10));
}

// The Redis benchmarks start their own redis-server; without one installed they are left out, with a note, not a crash.
if (!BenchmarkRedis.IsAvailable)
{
    Console.WriteLine("// " + BenchmarkRedis.MissingNote + ".");
    config = config.AddFilter(new SimpleFilter(b => b.Descriptor.Type != typeof(RedisStoreBenchmarks) && b.Descriptor.Type != typeof(RedisRotationBenchmarks)));
}

string countFile = Path.Combine(Path.GetTempPath(), $"codex-auth-bench-token-requests-{Environment.ProcessId}.txt");
File.Delete(countFile);
Environment.SetEnvironmentVariable(ConcurrencyBenchmarks.CountFileVariable, countFile);
string rotationFile = Path.Combine(Path.GetTempPath(), $"codex-auth-bench-rotation-posts-{Environment.ProcessId}.txt");
File.Delete(rotationFile);
Environment.SetEnvironmentVariable(RedisRotationBenchmarks.CountFileVariable, rotationFile);

Summary[] summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config).ToArray();
if (summaries.Length == 0)
{
    return 0; // --list, --help, or nothing matched the filter.
}

IReadOnlyList<int>? tokenRequests = ReadCounts(countFile);
IReadOnlyList<int>? rotationPosts = ReadCounts(rotationFile);

TargetReport report = TargetReport.Evaluate(summaries, tokenRequests, rotationPosts, judgedPaired: paired);
Console.WriteLine();
Console.WriteLine(report.Text);
string markdown = report.Markdown;
if (paired)
{
    // The verdicts of the in-process targets: subject and floor alternating in this process.
    (string pairedText, string pairedMarkdown) = PairedSuite.Run();
    Console.WriteLine(pairedText);
    markdown += Environment.NewLine + pairedMarkdown;
}

string resultsDirectory = summaries[0].ResultsDirectoryPath;
Directory.CreateDirectory(resultsDirectory);
File.WriteAllText(Path.Combine(resultsDirectory, "targets.md"), markdown);
Console.WriteLine($"Targets written to {Path.Combine(resultsDirectory, "targets.md")}");
return report.Failed ? 1 : 0;

static IReadOnlyList<int>? ReadCounts(string file)
{
    IReadOnlyList<int>? counts = File.Exists(file)
        ? File.ReadAllText(file).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray()
        : null;
    File.Delete(file);
    return counts;
}
