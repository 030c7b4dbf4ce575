using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Diagnostics.Telemetry;
using Xunit.Abstractions;

namespace ProtocolSdk.Analyzers.Tests;

/// <summary>
/// Runs every analyzer over a generated compilation of 500 protocol classes (attributes, callbacks, helpers) and
/// prints the time. The bound asserted is deliberately generous: it only catches pathological regressions.
/// The measured numbers are recorded in docs/diagnostics/README.md.
/// </summary>
public class PerformanceTests(ITestOutputHelper output)
{
    internal static ImmutableArray<DiagnosticAnalyzer> AllAnalyzers() =>
        typeof(DiagnosticDescriptors).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();

    private static CSharpCompilation Generate(int classes, int files)
    {
        var trees = new List<SyntaxTree>();
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        for (int f = 0; f < files; f++)
        {
            var sb = new StringBuilder();
            sb.AppendLine("using System; using System.Threading; using System.Threading.Tasks; using ProtocolSdk;");
            sb.AppendLine($"namespace Gen{f};");
            for (int i = f; i < classes; i += files)
            {
                sb.AppendLine($$"""
                    [Throttle(ReadBytesPerSecond = {{1000 + i}}, WriteBytesPerSecond = 4096)]
                    [Timeout({{10 + i % 50}})]
                    [MaxConnections(Total = 100, PerPeer = {{1 + i % 8}})]
                    [LogTraffic(LengthLimit = 32)]
                    public sealed partial class P{{i}} : Protocol
                    {
                        private int _count;
                        private readonly Task<int> _pending = Task.FromResult(1);
                        public override void ConnectionMade() { Transport.Write("hi"u8); Reset(); }
                        public override void DataReceived(ReadOnlySpan<byte> data) { _count += data.Length; Parse(data.Length); }
                        public override void ConnectionLost(DisconnectReason reason) { _count = 0; }
                        protected override void TimeoutConnection() => Transport.LoseConnection();
                        private void Parse(int n) { for (int k = 0; k < n; k++) { if (k % 7 == 0) Step(k); } }
                        private void Step(int k) { if (k > 1000) Thread.Sleep(1); _ = Helper(k); }
                        private int Helper(int k) => k > 5 ? _pending.Result : k;
                        private void Reset() { _count = 0; }
                        private async Task LoadAsync() => await Task.Delay(1);
                    }
                    """);
            }
            trees.Add(CSharpSyntaxTree.ParseText(sb.ToString(), parse, path: $"Gen{f}.cs"));
        }
        return CSharpCompilation.Create("Perf", trees, TestReferences.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    }

    private static async Task<(ImmutableArray<Diagnostic> Diagnostics, TimeSpan Elapsed, AnalyzerTelemetryInfo[] Telemetry)> RunAsync(CSharpCompilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers)
    {
        var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), onAnalyzerException: null,
            concurrentAnalysis: true, logAnalyzerExecutionTime: true);
        var withAnalyzers = compilation.WithAnalyzers(analyzers, options);
        var watch = Stopwatch.StartNew();
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync();
        watch.Stop();
        var telemetry = new AnalyzerTelemetryInfo[analyzers.Length];
        for (int i = 0; i < analyzers.Length; i++) telemetry[i] = await withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzers[i], CancellationToken.None);
        return (diagnostics, watch.Elapsed, telemetry);
    }

    [Fact]
    public async Task AllAnalyzers_On500Protocols()
    {
        var analyzers = AllAnalyzers();
        Assert.Equal(19, analyzers.Length);

        // Warm-up (JIT, reference loading) on a small compilation, and a bind of the big one, so the timing is the analyzers'.
        await RunAsync(Generate(5, 1), analyzers);
        var compilation = Generate(500, 20);
        var compilerErrors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.Empty(compilerErrors);

        // Baseline: the same compilation with one do-nothing analyzer: binding plus the analyzer driver, without our rules.
        var (_, baseline, _) = await RunAsync(compilation, ImmutableArray.Create<DiagnosticAnalyzer>(new NoOpAnalyzer()));
        var (diagnostics, elapsed, telemetry) = await RunAsync(compilation, analyzers);

        // Every class has a blocking Thread.Sleep and Task<T>.Result reachable from DataReceived: 1000 PSDK005, nothing else.
        Assert.Equal(1000, diagnostics.Count(d => d.Id == "PSDK005"));
        Assert.All(diagnostics, d => Assert.Equal("PSDK005", d.Id));

        var report = new StringBuilder();
        report.AppendLine($"500 protocol classes in 20 files, {analyzers.Length} analyzers, concurrent: {elapsed.TotalMilliseconds:0} ms wall clock " +
            $"(baseline with one no-op analyzer, i.e. binding + driver: {baseline.TotalMilliseconds:0} ms)");
        report.AppendLine($"sum of analyzer execution times: {telemetry.Sum(t => t.ExecutionTime.TotalMilliseconds):0} ms");
        report.AppendLine($"machine: {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}, .NET {Environment.Version}");
        for (int i = 0; i < analyzers.Length; i++)
        {
            report.AppendLine($"  {analyzers[i].GetType().Name,-45} {telemetry[i].ExecutionTime.TotalMilliseconds,8:0.0} ms");
        }
        output.WriteLine(report.ToString());
        Console.WriteLine(report.ToString());
        // Not a speed claim (docs/diagnostics/README.md has the measured figures): a guard against a rule that blows up,
        // e.g. one that goes quadratic in the number of classes. Relative to the baseline measured just before, so a
        // loaded machine (both runs slow down together) does not fail it; the rules cost about a tenth of the baseline.
        Assert.True(elapsed < baseline * 4, $"pathologically slow: {elapsed} against a baseline of {baseline}");
    }

    /// <summary>Test-only baseline analyzer (not exported: no [DiagnosticAnalyzer], so the RS10xx packaging rules do not apply).</summary>
#pragma warning disable RS1001, RS2008 // test-only analyzer and descriptor, never shipped
    private sealed class NoOpAnalyzer : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor Rule = new("NOOP001", "no-op", "no-op", "Test", DiagnosticSeverity.Hidden, true);
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);
        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterOperationAction(_ => { }, OperationKind.Invocation);
        }
    }
#pragma warning restore RS1001, RS2008
}
