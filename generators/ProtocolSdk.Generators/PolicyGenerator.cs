using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using System.Text;
using ProtocolSdk.Generators.Emitting;
using ProtocolSdk.Generators.Model;
using ProtocolSdk.Generators.Parsing;
using ProtocolSdk.Roslyn.Policies;

namespace ProtocolSdk.Generators;

/// <summary>
/// Turns the policy attributes of a <c>partial</c> protocol class into straight-line overrides of the
/// <c>Protocol.OnPolicy*</c> hooks: one <c>Namespace.Type.Policies.g.cs</c> per class.
/// </summary>
/// <remarks>
/// One <c>ForAttributeWithMetadataName</c> pipeline per attribute of <see cref="PolicyCatalog"/>; each transform reads the whole class (all of its
/// policy attributes) into the same equatable <see cref="ProtocolModel"/>, so a class with several attributes
/// yields equal models that are de-duplicated by hint name. Unrelated edits leave every step cached.
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed class PolicyGenerator : IIncrementalGenerator
{
    /// <summary>Tracking name of the per-attribute model steps (suffixed with the attribute, e.g. <c>ProtocolModels.Throttle</c>).</summary>
    public const string AttributeModelsStep = "ProtocolModels.";

    /// <summary>Tracking name of the step that yields one model per protocol class.</summary>
    public const string ProtocolModelsStep = "ProtocolModels";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // One pipeline per attribute of the catalog, folded into one value: a list of per-attribute model lists.
        var specs = PolicyCatalog.All;
        var all = Models(context, specs[0]).Select(static (models, _) => ImmutableArray.Create(models));
        for (int i = 1; i < specs.Length; i++)
        {
            all = all.Combine(Models(context, specs[i])).Select(static (pair, _) => pair.Left.Add(pair.Right));
        }

        var protocols = all
            .SelectMany(static (groups, _) => Distinct(groups))
            .WithTrackingName(ProtocolModelsStep);

        context.RegisterSourceOutput(protocols, static (spc, model) =>
            spc.AddSource(model.HintName, SourceText.From(ProtocolEmitter.Emit(model), Encoding.UTF8)));
    }

    private static IncrementalValueProvider<ImmutableArray<ProtocolModel?>> Models(IncrementalGeneratorInitializationContext context, PolicySpec spec) =>
        context.SyntaxProvider
            .ForAttributeWithMetadataName(spec.MetadataName, ProtocolParser.IsCandidate, ProtocolParser.Parse)
            .WithTrackingName(AttributeModelsStep + spec.Name)
            .Collect();

    private static ImmutableArray<ProtocolModel> Distinct(ImmutableArray<ImmutableArray<ProtocolModel?>> groups)
    {
        var seen = new HashSet<string>();
        var result = ImmutableArray.CreateBuilder<ProtocolModel>();
        foreach (var group in groups)
        {
            foreach (var model in group)
            {
                if (model is not null && seen.Add(model.HintName)) result.Add(model);
            }
        }
        return result.ToImmutable();
    }
}
