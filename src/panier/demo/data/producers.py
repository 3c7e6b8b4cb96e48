"""Twelve invented producers of the Côte d'Azur, six per hub.

``defaults`` apply to every product of the producer unless the product
says otherwise: category, tax category, origin, storage, allergens,
withdrawal exception, whether it is food.
"""

PRODUCERS = [
    # Panier de Nice (the hub buys and resells).
    {
        "hub": "nice",
        "slug": "fromagerie-du-mercantour",
        "name": "Fromagerie du Mercantour",
        "legal_name": "EARL Fromagerie du Mercantour",
        "siret": "83984916300010",
        "vat_number": "FR49839849163",
        "vat_regime": "normal",
        "address": "Quartier du Boréon",
        "postal_code": "06450",
        "city": "Saint-Martin-Vésubie",
        "email": "contact@fromagerie-mercantour.test",
        "phone": "+33493031122",
        "description": (
            "Élise et Marc Giordan élèvent une soixantaine de chèvres et de vaches "
            "tarentaises dans la haute Vésubie. Lait cru, caillage lent, affinage en cave."
        ),
        "description_en": (
            "Élise and Marc Giordan raise some sixty goats and Tarentaise cows in the upper "
            "Vésubie valley. Raw milk, slow curdling, cellar ripening."
        ),
        "defaults": {
            "category": "fromages",
            "tax": "food",
            "origin": "Saint-Martin-Vésubie (06), France",
            "storage": "À conserver entre 2 °C et 6 °C",
            "allergens": ["milk"],
            "wd": "perishable",
        },
    },
    {
        "hub": "nice",
        "slug": "boulangerie-lou-pan",
        "name": "Boulangerie Lou Pan",
        "legal_name": "SARL Lou Pan",
        "siret": "91564713500010",
        "vat_number": "FR66915647135",
        "vat_regime": "normal",
        "address": "18 rue Droite",
        "postal_code": "06300",
        "city": "Nice",
        "email": "fournil@loupan.test",
        "phone": "+33493804417",
        "description": (
            "Un fournil du Vieux-Nice où Sofia Bensaïd cuit au feu de bois des pains au "
            "levain naturel, avec des farines meulées sur pierre dans le Haut-Var."
        ),
        "description_en": (
            "A wood-fired bakery in Old Nice where Sofia Bensaïd bakes sourdough breads "
            "with stone-ground flour from the upper Var."
        ),
        "defaults": {
            "category": "pains",
            "tax": "food",
            "origin": "Nice (06), France",
            "storage": "À conserver dans un endroit sec, à consommer dans les 3 jours",
            "allergens": ["gluten"],
            "wd": "perishable",
        },
    },
    {
        "hub": "nice",
        "slug": "miellerie-des-baous",
        "name": "Miellerie des Baous",
        "legal_name": "Thomas Cauvin, apiculteur",
        "siret": "91093573300014",
        "vat_number": "FR21910935733",
        "vat_regime": "normal",
        "address": "Chemin des Sausses",
        "postal_code": "06640",
        "city": "Saint-Jeannet",
        "email": "miel@baous.test",
        "phone": "+33493247789",
        "description": (
            "Trois cents ruches transhumantes entre les baous de Saint-Jeannet et les "
            "plateaux de l'arrière-pays. Miels extraits à froid, non chauffés."
        ),
        "description_en": (
            "Three hundred hives moved between the baous of Saint-Jeannet and the high "
            "plateaus inland. Cold-extracted, never heated honey."
        ),
        "defaults": {
            "category": "miels",
            "tax": "food",
            "origin": "Alpes-Maritimes, France",
            "storage": "À conserver à température ambiante, à l'abri de la lumière",
        },
    },
    {
        "hub": "nice",
        "slug": "moulin-du-paillon",
        "name": "Moulin du Paillon",
        "legal_name": "SAS Moulin du Paillon",
        "siret": "85396459100012",
        "vat_number": "FR13853964591",
        "vat_regime": "normal",
        "address": "5 route de l'Escarène",
        "postal_code": "06390",
        "city": "Contes",
        "email": "moulin@paillon.test",
        "phone": "+33493791562",
        "description": (
            "Moulin à huile familial depuis 1921. Olives cailletier de la vallée du Paillon, "
            "triturées dans les 24 heures suivant la cueillette."
        ),
        "description_en": (
            "A family oil mill since 1921. Cailletier olives from the Paillon valley, "
            "pressed within 24 hours of picking."
        ),
        "defaults": {
            "category": "huiles",
            "tax": "food",
            "origin": "Vallée du Paillon (06), France",
            "storage": "À conserver à l'abri de la lumière et de la chaleur",
        },
    },
    {
        "hub": "nice",
        "slug": "jardins-plaine-du-var",
        "name": "Les Jardins de la Plaine du Var",
        "legal_name": "GAEC Les Jardins de la Plaine du Var",
        "siret": "81883194300019",
        "vat_number": "FR38818831943",
        "vat_regime": "normal",
        "address": "1450 route de la Baronne",
        "postal_code": "06510",
        "city": "Carros",
        "email": "jardins@plaineduvar.test",
        "phone": "+33493296034",
        "description": (
            "Maraîchage en agriculture biologique sur les terres alluviales de la plaine du "
            "Var. Récolte la veille de la livraison."
        ),
        "description_en": (
            "Organic market gardening on the alluvial land of the Var plain. Picked the day "
            "before delivery."
        ),
        "defaults": {
            "category": "legumes",
            "tax": "food",
            "origin": "Carros (06), France – agriculture biologique",
            "storage": "À conserver au frais",
            "wd": "perishable",
        },
    },
    {
        "hub": "nice",
        "slug": "clos-des-collines",
        "name": "Clos des Collines de Bellet",
        "legal_name": "SCEA Clos des Collines",
        "siret": "93673293200012",
        "vat_number": "FR71936732932",
        "vat_regime": "normal",
        "address": "440 chemin de Saquier",
        "postal_code": "06200",
        "city": "Nice",
        "email": "cave@closdescollines.test",
        "phone": "+33493378121",
        "description": (
            "Six hectares de vignes en terrasses sur les collines de Bellet, l'une des plus "
            "petites appellations de France. Rolle, braquet et folle noire."
        ),
        "description_en": (
            "Six hectares of terraced vines on the hills of Bellet, one of the smallest "
            "appellations in France. Rolle, braquet and folle noire."
        ),
        "defaults": {
            "category": "vins",
            "tax": "alcohol",
            "origin": "AOP Bellet, Nice (06), France",
            "storage": "À conserver couché, à l'abri de la lumière",
            "allergens": ["sulphites"],
        },
    },
    # Panier d'Antibes (marketplace: each producer sells in its own name).
    {
        "hub": "antibes",
        "slug": "pecherie-du-cap",
        "name": "Pêcherie du Cap",
        "legal_name": "SARL Pêcherie du Cap d'Antibes",
        "siret": "83205899400019",
        "vat_number": "FR43832058994",
        "vat_regime": "normal",
        "address": "Port de la Salis",
        "postal_code": "06160",
        "city": "Antibes",
        "email": "poissons@pecherieducap.test",
        "phone": "+33493614408",
        "description": (
            "Deux pointus et un petit chalutier qui pêchent chaque nuit entre le cap "
            "d'Antibes et les îles de Lérins. Poisson de petite pêche, vidé sur demande."
        ),
        "description_en": (
            "Two pointus and a small trawler fishing every night between Cap d'Antibes and "
            "the Lérins islands. Small-scale catch, gutted on request."
        ),
        "defaults": {
            "category": "poissons",
            "tax": "food",
            "origin": "Méditerranée, zone FAO 37.1.3 – pêche côtière",
            "storage": "À conserver entre 0 °C et 2 °C, à consommer dans les 24 heures",
            "allergens": ["fish"],
            "wd": "perishable",
        },
    },
    {
        "hub": "antibes",
        "slug": "savonnerie-de-la-brague",
        "name": "Savonnerie de la Brague",
        "legal_name": "SAS Savonnerie de la Brague",
        "siret": "95686427600012",
        "vat_number": "FR60956864276",
        "vat_regime": "normal",
        "address": "210 chemin de la Brague",
        "postal_code": "06410",
        "city": "Biot",
        "email": "atelier@savonneriebrague.test",
        "phone": "+33493655071",
        "description": (
            "Savons saponifiés à froid à l'huile d'olive du pays, parfumés aux plantes de "
            "Grasse et de l'arrière-pays. Cure de quatre semaines."
        ),
        "description_en": (
            "Cold-process soaps made with local olive oil and scented with plants from Grasse "
            "and the hinterland. Cured for four weeks."
        ),
        "defaults": {
            "category": "savons",
            "tax": "standard",
            "origin": "Biot (06), France",
            "storage": "À conserver au sec",
            "food": False,
        },
    },
    {
        "hub": "antibes",
        "slug": "atelier-terre-de-vallauris",
        "name": "Atelier Terre de Vallauris",
        "legal_name": "Inès Marchetti, céramiste",
        "siret": "82696173200011",
        "vat_number": "FR16826961732",
        "vat_regime": "normal",
        "address": "27 avenue Georges Clemenceau",
        "postal_code": "06220",
        "city": "Vallauris",
        "email": "atelier@terrevallauris.test",
        "phone": "+33493648890",
        "description": (
            "Poteries culinaires tournées à la main dans la tradition de Vallauris, en terre "
            "rouge et émaux sans plomb. Chaque pièce est unique."
        ),
        "description_en": (
            "Hand-thrown cookware in the Vallauris tradition, red clay and lead-free glazes. "
            "Every piece is unique."
        ),
        "defaults": {
            "category": "poteries",
            "tax": "standard",
            "origin": "Vallauris (06), France – fait main",
            "storage": "Va au lave-vaisselle et au four, pas sur la flamme",
            "food": False,
        },
    },
    {
        "hub": "antibes",
        "slug": "confitures-de-mame-rose",
        "name": "Les Confitures de Mamé Rose",
        "legal_name": "SAS Mamé Rose",
        "siret": "89776186200019",
        "vat_number": "FR88897761862",
        "vat_regime": "normal",
        "address": "9 avenue Dautheville",
        "postal_code": "06160",
        "city": "Juan-les-Pins",
        "email": "bonjour@mamerose.test",
        "phone": "+33493672305",
        "description": (
            "Confitures cuites en petits chaudrons de cuivre avec les fruits des vergers "
            "voisins, et nougats montés à la main selon la recette de la grand-mère Rose."
        ),
        "description_en": (
            "Jams cooked in small copper pans with fruit from nearby orchards, and nougat "
            "beaten by hand to grandmother Rose's recipe."
        ),
        "defaults": {
            "category": "douceurs",
            "tax": "food",
            "origin": "Juan-les-Pins (06), France",
            "storage": "Après ouverture, à conserver au réfrigérateur",
        },
    },
    {
        "hub": "antibes",
        "slug": "vergers-de-la-garoupe",
        "name": "Vergers de la Garoupe",
        "legal_name": "EARL Vergers de la Garoupe",
        "siret": "94613477200015",
        "vat_number": "FR28946134772",
        "vat_regime": "normal",
        "address": "Chemin de la Garoupe",
        "postal_code": "06160",
        "city": "Antibes",
        "email": "vergers@garoupe.test",
        "phone": "+33493617714",
        "description": (
            "Deux hectares d'agrumes en terrasses face à la mer sur le cap d'Antibes : "
            "citronniers, bigaradiers, kumquats et cédratiers, sans traitement après récolte."
        ),
        "description_en": (
            "Two hectares of terraced citrus trees facing the sea on Cap d'Antibes: lemon, "
            "bitter orange, kumquat and citron trees, untreated after harvest."
        ),
        "defaults": {
            "category": "agrumes",
            "tax": "food",
            "origin": "Antibes (06), France",
            "storage": "À conserver dans un endroit frais",
            "wd": "perishable",
        },
    },
    {
        "hub": "antibes",
        "slug": "simples-de-valbonne",
        "name": "Les Simples de Valbonne",
        "legal_name": "Lucie Audibert, herboriste-cueilleuse",
        "siret": "80081495600010",
        # Under the small-business VAT exemption: no VAT number, no VAT charged.
        "vat_number": "",
        "vat_regime": "franchise",
        "address": "Hameau de la Brague",
        "postal_code": "06560",
        "city": "Valbonne",
        "email": "lucie@simplesvalbonne.test",
        "phone": "+33493127745",
        "description": (
            "Plantes aromatiques et médicinales cultivées et cueillies à la main sur le plateau "
            "de Valbonne, séchées à l'ombre. Micro-entreprise : TVA non applicable, art. 293 B du CGI."
        ),
        "description_en": (
            "Aromatic and medicinal herbs grown and hand-picked on the Valbonne plateau, dried in "
            "the shade. A micro-business: VAT not applicable, art. 293 B of the French tax code."
        ),
        "defaults": {
            "category": "herbes",
            "tax": "food",
            "origin": "Valbonne (06), France",
            "storage": "À conserver au sec, à l'abri de la lumière",
        },
    },
]
