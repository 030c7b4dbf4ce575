using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>
/// PSDK006: an <c>async void</c> method in a class deriving from <c>Protocol</c>. The diagnostic carries the property
/// <see cref="FixableKey"/> = "true" when the signature can become <c>async Task</c> (not an override, not an interface
/// implementation, not event-handler shaped, not a partial method).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PSDK006AsyncVoidAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property telling the code fix that the return type can change.</summary>
    public const string FixableKey = "CanReturnTask";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK006_AsyncVoid);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var symbols = ProtocolSdkSymbols.TryCreate(start.Compilation);
            if (symbols is null) return;
            var eventArgs = start.Compilation.GetTypeByMetadataName("System.EventArgs");
            start.RegisterSymbolAction(c => Analyze(c, symbols, eventArgs), SymbolKind.Method);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, ProtocolSdkSymbols symbols, INamedTypeSymbol? eventArgs)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (!method.IsAsync || !method.ReturnsVoid || method.MethodKind != MethodKind.Ordinary) return;
        if (!symbols.DerivesFromProtocol(method.ContainingType)) return;
        if (method.PartialImplementationPart is not null) return; // reported once, on the implementation

        bool fixable = !method.IsOverride
            && method.ExplicitInterfaceImplementations.IsEmpty
            && !ImplementsInterfaceMember(method)
            && !IsEventHandlerShaped(method, eventArgs)
            && method.PartialDefinitionPart is null;
        var properties = fixable
            ? ImmutableDictionary<string, string?>.Empty.Add(FixableKey, "true")
            : ImmutableDictionary<string, string?>.Empty;
        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.PSDK006_AsyncVoid,
            method.Locations.FirstOrDefault(),
            properties,
            method.ContainingType.Name + "." + method.Name));
    }

    private static bool ImplementsInterfaceMember(IMethodSymbol method)
    {
        var type = method.ContainingType;
        foreach (var iface in type.AllInterfaces)
        {
            foreach (var member in iface.GetMembers(method.Name))
            {
                if (SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(member), method)) return true;
            }
        }
        return false;
    }

    private static bool IsEventHandlerShaped(IMethodSymbol method, INamedTypeSymbol? eventArgs)
    {
        if (method.Parameters.Length != 2 || method.Parameters[0].Type.SpecialType != SpecialType.System_Object) return false;
        for (var t = method.Parameters[1].Type; t is not null; t = t.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(t, eventArgs)) return true;
        }
        return false;
    }
}
