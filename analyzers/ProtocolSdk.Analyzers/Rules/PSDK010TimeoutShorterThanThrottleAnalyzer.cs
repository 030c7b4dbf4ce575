using System;
using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using ProtocolSdk.Generators.Model;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>
/// PSDK010: <c>[Timeout(t)]</c> shorter than BurstBytes / ReadBytesPerSecond of the <c>[Throttle]</c> on the same class
/// (BurstBytes 0 = one second's worth, so the time is then 1 s). A connection that used its burst is paused by its
/// own read throttle for up to that long while the idle timeout keeps running.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PSDK010TimeoutShorterThanThrottleAnalyzer : ProtocolTypeAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK010_TimeoutShorterThanThrottle);

    private protected override bool AppliesTo(ProtocolSdkSymbols symbols) => symbols.Throttle is not null && symbols.Timeout is not null;

    private protected override void Analyze(SymbolAnalysisContext context, ProtocolSdkSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class) return;
        // The specs' readings (shared with the generator): invalid values are PSDK003's business.
        var timeoutModel = PolicyProblems.Model<TimeoutModel>(type, symbols, out var timeout);
        var throttleModel = PolicyProblems.Model<ThrottleModel>(type, symbols, out _);
        if (timeoutModel is null || timeout is null || throttleModel is null) return;
        double seconds = (double)timeoutModel.Ticks / TimeSpan.TicksPerSecond;
        long read = throttleModel.ReadBytesPerSecond;
        if (read <= 0) return;
        long effectiveBurst = throttleModel.BurstBytes == 0 ? read : throttleModel.BurstBytes;
        double needed = (double)effectiveBurst / read;
        if (seconds >= needed) return;

        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.PSDK010_TimeoutShorterThanThrottle,
            ProtocolSdkSymbols.ArgumentLocation(timeout, type, "seconds", 0),
            seconds.ToString("R", CultureInfo.InvariantCulture),
            type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat),
            needed.ToString("0.###", CultureInfo.InvariantCulture),
            read.ToString(CultureInfo.InvariantCulture),
            effectiveBurst.ToString(CultureInfo.InvariantCulture)));
    }
}
