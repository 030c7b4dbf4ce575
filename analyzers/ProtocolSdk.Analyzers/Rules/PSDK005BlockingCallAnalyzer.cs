using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace ProtocolSdk.Analyzers.Rules;

/// <summary>
/// PSDK005: a blocking call in a protocol callback (overrides of ConnectionMade, DataReceived, ConnectionLost,
/// TimeoutConnection, MessageReceived) or in a method of the same type that a callback calls, transitively.
/// </summary>
/// <remarks>
/// Per protocol type: one pass over its operations records blocking calls and same-type calls per method; at the
/// end of the type a breadth-first walk from the callbacks finds the reachable methods. Code in lambdas is not
/// counted (it usually runs later, elsewhere). Reads from <c>MemoryStream</c>/<c>UnmanagedMemoryStream</c> do not block
/// and are not reported.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PSDK005BlockingCallAnalyzer : DiagnosticAnalyzer
{
    private static readonly string[] CallbackNames = { "ConnectionMade", "DataReceived", "ConnectionLost", "TimeoutConnection", "MessageReceived" };

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PSDK005_BlockingCall);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var symbols = ProtocolSdkSymbols.TryCreate(start.Compilation);
            if (symbols is null) return;
            var catalog = new BlockingCatalog(start.Compilation);
            if (catalog.IsEmpty) return;
            start.RegisterSymbolStartAction(s => OnTypeStart(s, symbols, catalog), SymbolKind.NamedType);
        });
    }

    private static void OnTypeStart(SymbolStartAnalysisContext context, ProtocolSdkSymbols symbols, BlockingCatalog catalog)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class || !symbols.DerivesFromProtocol(type)) return;

        var callbacks = new List<IMethodSymbol>();
        foreach (var member in type.GetMembers())
        {
            if (member is IMethodSymbol { IsOverride: true } method && IsCallback(method, symbols)) callbacks.Add(method);
        }
        if (callbacks.Count == 0) return;

        var state = new TypeState(type);
        context.RegisterOperationAction(c => state.OnInvocation(c, catalog), OperationKind.Invocation);
        context.RegisterOperationAction(c => state.OnPropertyReference(c, catalog), OperationKind.PropertyReference);
        context.RegisterSymbolEndAction(c => state.Report(c, callbacks));
    }

    private static bool IsCallback(IMethodSymbol method, ProtocolSdkSymbols symbols)
    {
        var root = method;
        while (root.OverriddenMethod is { } overridden) root = overridden;
        if (System.Array.IndexOf(CallbackNames, root.Name) < 0) return false;
        var declaring = root.ContainingType?.OriginalDefinition;
        return SymbolEqualityComparer.Default.Equals(declaring, symbols.Protocol) || symbols.DerivesFromProtocol(declaring);
    }

    private static bool InsideLambda(IOperation operation)
    {
        for (var p = operation.Parent; p is not null; p = p.Parent)
        {
            if (p is IAnonymousFunctionOperation) return true;
        }
        return false;
    }

    private sealed class TypeState
    {
        private readonly INamedTypeSymbol _type;
        private readonly ConcurrentQueue<(IMethodSymbol Method, Location Location, string Call)> _blocking = new();
        private readonly ConcurrentDictionary<IMethodSymbol, ConcurrentQueue<IMethodSymbol>> _calls = new(SymbolEqualityComparer.Default);

        public TypeState(INamedTypeSymbol type) => _type = type;

        private IMethodSymbol? Container(ISymbol containing)
        {
            if (containing is not IMethodSymbol method) return null; // field initializers
            while (method.MethodKind is MethodKind.LocalFunction or MethodKind.AnonymousFunction && method.ContainingSymbol is IMethodSymbol outer)
            {
                method = outer; // a local function counts as part of the method that declares it
            }
            return SymbolEqualityComparer.Default.Equals(method.ContainingType, _type) ? method : null;
        }

        private void AddCall(IMethodSymbol caller, IMethodSymbol? callee)
        {
            if (callee is null) return;
            callee = callee.PartialImplementationPart ?? callee;
            callee = callee.OriginalDefinition;
            if (!SymbolEqualityComparer.Default.Equals(callee.ContainingType, _type)) return;
            _calls.GetOrAdd(caller, static _ => new ConcurrentQueue<IMethodSymbol>()).Enqueue(callee);
        }

        public void OnInvocation(OperationAnalysisContext context, BlockingCatalog catalog)
        {
            var method = Container(context.ContainingSymbol);
            if (method is null) return;
            var invocation = (IInvocationOperation)context.Operation;
            if (InsideLambda(invocation)) return;
            var target = invocation.TargetMethod;
            if (catalog.IsBlocking(target, invocation.Instance?.Type))
            {
                _blocking.Enqueue((method, invocation.Syntax.GetLocation(), BlockingCatalog.Display(target)));
            }
            AddCall(method, target);
        }

        public void OnPropertyReference(OperationAnalysisContext context, BlockingCatalog catalog)
        {
            var method = Container(context.ContainingSymbol);
            if (method is null) return;
            var reference = (IPropertyReferenceOperation)context.Operation;
            if (InsideLambda(reference)) return;
            var property = reference.Property;
            if (catalog.IsBlocking(property))
            {
                _blocking.Enqueue((method, reference.Syntax.GetLocation(), BlockingCatalog.Display(property)));
            }
            if (SymbolEqualityComparer.Default.Equals(property.ContainingType, _type))
            {
                bool isWrite = reference.Parent is IAssignmentOperation assignment && assignment.Target == reference;
                if (!isWrite || reference.Parent is ICompoundAssignmentOperation) AddCall(method, property.GetMethod);
                if (isWrite) AddCall(method, property.SetMethod);
            }
        }

        public void Report(SymbolAnalysisContext context, List<IMethodSymbol> callbacks)
        {
            if (_blocking.IsEmpty) return;
            // Which callback reaches each method first (callbacks in name order, so messages are deterministic).
            var reachedFrom = new Dictionary<IMethodSymbol, IMethodSymbol>(SymbolEqualityComparer.Default);
            foreach (var callback in callbacks.OrderBy(c => c.Name, System.StringComparer.Ordinal))
            {
                var queue = new Queue<IMethodSymbol>();
                if (!reachedFrom.ContainsKey(callback))
                {
                    reachedFrom[callback] = callback;
                    queue.Enqueue(callback);
                }
                while (queue.Count > 0)
                {
                    var current = queue.Dequeue();
                    if (!_calls.TryGetValue(current, out var callees)) continue;
                    foreach (var callee in callees)
                    {
                        if (reachedFrom.ContainsKey(callee)) continue;
                        reachedFrom[callee] = callback;
                        queue.Enqueue(callee);
                    }
                }
            }

            foreach (var (method, location, call) in _blocking)
            {
                if (!reachedFrom.TryGetValue(method, out var callback)) continue;
                string via = SymbolEqualityComparer.Default.Equals(method, callback) ? string.Empty : " (through '" + MethodName(method) + "')";
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.PSDK005_BlockingCall, location, call, callback.Name, via));
            }
        }

        private static string MethodName(IMethodSymbol method) =>
            method.AssociatedSymbol is IPropertySymbol property ? property.Name : method.Name;
    }

    /// <summary>The blocking members, resolved as symbols once per compilation.</summary>
    private sealed class BlockingCatalog
    {
        private readonly HashSet<ISymbol> _members = new(SymbolEqualityComparer.Default);
        private readonly List<INamedTypeSymbol> _nonBlockingStreams = new();

        public BlockingCatalog(Compilation compilation)
        {
            AddMethods(compilation, "System.Threading.Thread", "Sleep");
            AddMethods(compilation, "System.Threading.Tasks.Task", "Wait", "WaitAll", "WaitAny");
            AddMethods(compilation, "System.Threading.SemaphoreSlim", "Wait");
            AddMethods(compilation, "System.Threading.Monitor", "Wait");
            AddMethods(compilation, "System.Net.Sockets.Socket", "Receive");
            AddMethods(compilation, "System.IO.Stream", "Read", "ReadExactly", "ReadAtLeast", "ReadByte");
            foreach (var awaiter in new[]
            {
                "System.Runtime.CompilerServices.TaskAwaiter",
                "System.Runtime.CompilerServices.TaskAwaiter`1",
                "System.Runtime.CompilerServices.ValueTaskAwaiter",
                "System.Runtime.CompilerServices.ValueTaskAwaiter`1",
                "System.Runtime.CompilerServices.ConfiguredTaskAwaitable+ConfiguredTaskAwaiter",
                "System.Runtime.CompilerServices.ConfiguredTaskAwaitable`1+ConfiguredTaskAwaiter",
                "System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable+ConfiguredValueTaskAwaiter",
                "System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable`1+ConfiguredValueTaskAwaiter",
            })
            {
                AddMethods(compilation, awaiter, "GetResult");
            }
            AddProperty(compilation, "System.Threading.Tasks.Task`1", "Result");
            AddProperty(compilation, "System.Threading.Tasks.ValueTask`1", "Result");
            foreach (var name in new[] { "System.IO.MemoryStream", "System.IO.UnmanagedMemoryStream" })
            {
                if (compilation.GetTypeByMetadataName(name) is { } t) _nonBlockingStreams.Add(t);
            }
        }

        public bool IsEmpty => _members.Count == 0;

        private void AddMethods(Compilation compilation, string typeName, params string[] names)
        {
            var type = compilation.GetTypeByMetadataName(typeName);
            if (type is null) return;
            foreach (var name in names)
            {
                foreach (var member in type.GetMembers(name))
                {
                    if (member is IMethodSymbol) _members.Add(member);
                }
            }
        }

        private void AddProperty(Compilation compilation, string typeName, string name)
        {
            var type = compilation.GetTypeByMetadataName(typeName);
            if (type is null) return;
            foreach (var member in type.GetMembers(name))
            {
                if (member is IPropertySymbol) _members.Add(member);
            }
        }

        public bool IsBlocking(IMethodSymbol method, ITypeSymbol? receiverType)
        {
            for (IMethodSymbol? m = method.ReducedFrom ?? method; m is not null; m = m.OverriddenMethod)
            {
                if (_members.Contains(m.OriginalDefinition))
                {
                    return !IsNonBlockingStream(method.ContainingType) && !IsNonBlockingStream(receiverType);
                }
            }
            return false;
        }

        public bool IsBlocking(IPropertySymbol property) => _members.Contains(property.OriginalDefinition);

        private bool IsNonBlockingStream(ITypeSymbol? type)
        {
            for (var t = type; t is not null; t = t.BaseType)
            {
                foreach (var s in _nonBlockingStreams)
                {
                    if (SymbolEqualityComparer.Default.Equals(t.OriginalDefinition, s)) return true;
                }
            }
            return false;
        }

        private static readonly SymbolDisplayFormat TypeFormat = new(
            typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypes,
            genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters);

        public static string Display(ISymbol member)
        {
            return member.ContainingType.OriginalDefinition.ToDisplayString(TypeFormat) + "." + member.Name;
        }
    }
}
